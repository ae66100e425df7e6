"""actions/dvc: the remote's configuration and which hashed lock is installed."""

import pytest

from kaizen.actions import dvc as dvc_setup
from kaizen.gha import InputError


def test_dvc_config_and_requirements(tmp_path):
    (tmp_path / ".dvc").mkdir()
    (tmp_path / ".dvc" / "config").write_text(
        "[core]\n    remote = storage\n['remote \"storage\"']\n    url = s3://bucket/path\n"
        "['remote \"backup\"']\n    url = /mnt/backup\n"
    )
    (tmp_path / ".dvc" / "config.local").write_text("['remote \"storage\"']\n    url = ssh://host/path\n")
    default, urls = dvc_setup.read_config(tmp_path)
    assert default == "storage" and urls == {"storage": "ssh://host/path", "backup": "/mnt/backup"}
    assert [dvc_setup.scheme(u) for u in ("s3://b", "ssh://h/p", "/mnt/x")] == ["s3", "ssh", "local"]
    assert dvc_setup.lock_name({"s3"}) == "dvc-s3"
    assert dvc_setup.lock_name({"ssh", "s3", "local"}) == "dvc-s3-ssh"
    assert dvc_setup.lock_name(set()) == "dvc"


def test_remote_config_lines():
    assert dvc_setup.parse_remote_config("access_key_id=AKIA\n\nsecret_access_key = s=cret\n") == [
        ("access_key_id", "AKIA"),
        ("secret_access_key", "s=cret"),
    ]
    with pytest.raises(InputError, match="^remote-config: line 1 is not key=value"):
        dvc_setup.parse_remote_config("just-a-value")
    with pytest.raises(InputError, match="^remote-config: line 1: 'Bad-Key' is not a DVC remote option"):
        dvc_setup.parse_remote_config("Bad-Key=1")


def test_a_malformed_remote_config_line_is_masked_before_the_error(tmp_path, monkeypatch, capsys):
    from kaizen.main import main

    (tmp_path / ".dvc").mkdir()
    (tmp_path / "dvc.yaml").write_text("stages: {}\n")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    monkeypatch.setenv("KAIZEN_REMOTE_CONFIG", "access_key_id=AKIA1\nwJalrXUtnFEMI-secret-pasted-alone")
    assert main(["dvc"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == ["::add-mask::AKIA1", "::add-mask::wJalrXUtnFEMI-secret-pasted-alone"]
    [error] = [line for line in out if line.startswith("::error")]
    assert "line 2 is not key=value" in error and "wJalrXUtnFEMI" not in error


def test_a_yaml_style_secret_line_is_masked_value_and_all(tmp_path, monkeypatch, capsys):
    """`secret_access_key: <value>` (a colon, not `=`): the value itself is masked, not only the
    line, so no later message can show it."""
    from kaizen.main import main

    (tmp_path / ".dvc").mkdir()
    (tmp_path / "dvc.yaml").write_text("stages: {}\n")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    monkeypatch.setenv("KAIZEN_REMOTE_CONFIG", "secret_access_key: wJalrXUtnFEMI/K7MDENG")
    assert main(["dvc"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert "::add-mask::wJalrXUtnFEMI/K7MDENG" in out
    [error] = [line for line in out if line.startswith("::error")]
    assert "not `:`" in error and "wJalrXUtnFEMI" not in error


def test_a_dvc_config_without_a_section_header_names_the_file_and_line(tmp_path, monkeypatch, capsys):
    from kaizen.main import main

    (tmp_path / ".dvc").mkdir()
    (tmp_path / ".dvc" / "config").write_text("remote = storage\n[core]\n")
    (tmp_path / "dvc.yaml").write_text("stages: {}\n")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    assert main(["dvc"]) == 1
    [error] = [line for line in capsys.readouterr().out.splitlines() if line.startswith("::error")]
    assert ".dvc/config: has a line before any [section] header at line 1" in error
    assert "failed unexpectedly" not in error


def test_remote_settings_that_are_no_secret_are_not_masked(capsys):
    """GitHub drops a job output containing a masked text: masking `true` or `22` emptied the
    digest, gate-passed and metrics outputs of every run with such a setting."""
    dvc_setup.mask_remote_config(
        "access_key_id=AKIA1\nsecret_access_key=wJalr/K7\nport=22\nallow_agent=true\nregion=eu-west-1\n"
        "endpointurl=http://127.0.0.1:9000\nuse_ssl=false\npassword=hunter2-long"
    )
    masked = [line.removeprefix("::add-mask::") for line in capsys.readouterr().out.splitlines()]
    assert masked == ["AKIA1", "wJalr/K7", "hunter2-long"]
