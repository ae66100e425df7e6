"""kaizen.git: the one git helper."""

import pytest

from kaizen import git
from kaizen.gha import InputError


def test_a_failing_git_command_is_one_input_error_naming_it(tmp_path):
    with pytest.raises(InputError, match="^git rev-parse failed: ") as raised:
        git.git(tmp_path, "rev-parse", "HEAD", title="base-ref")
    assert raised.value.title == "base-ref"
    assert not git.succeeds(tmp_path, "rev-parse", "HEAD")


def test_output_and_toplevel(tmp_path):
    git.git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "sub").mkdir()
    assert git.toplevel(tmp_path / "sub").resolve() == tmp_path.resolve()
    assert git.output(tmp_path, "rev-parse", "--is-inside-work-tree") == "true"


def test_a_user_value_after_end_of_options_is_never_an_option(tmp_path):
    git.git(tmp_path, "init", "-q")
    marker = tmp_path / "PWNED"
    result = git.git(
        tmp_path, "rev-parse", "--verify", "--quiet", "--end-of-options", f"--output={marker}", check=False
    )
    assert result.returncode != 0 and not marker.exists()
