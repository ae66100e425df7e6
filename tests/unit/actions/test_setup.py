import sys

import pytest

from kaizen import tool_env
from kaizen.actions import setup
from kaizen.gha import InputError


def test_requirements_then_the_package(tmp_path, monkeypatch):
    monkeypatch.setattr(tool_env.shutil, "which", lambda name: None)
    (tmp_path / "requirements.txt").write_text("pyyaml\n")
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    commands = setup.plan(tmp_path, "test", "")
    pip = [sys.executable, "-m", "pip", "install", "--progress-bar", "off", "--disable-pip-version-check"]
    assert commands == [[*pip, "-r", "requirements.txt"], [*pip, "-e", ".[test]"]]


def test_uv_is_preferred_when_on_path(tmp_path, monkeypatch):
    monkeypatch.setattr(tool_env.shutil, "which", lambda name: "/opt/uv")
    (tmp_path / "setup.py").write_text("")
    assert setup.plan(tmp_path, "", "") == [["/opt/uv", "pip", "install", "--python", sys.executable, "-e", "."]]


def test_custom_install_command_replaces_the_default(tmp_path):
    assert setup.plan(tmp_path, "", "make deps") == [["bash", "-eo", "pipefail", "-c", "make deps"]]


def test_a_folder_without_dependency_files_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="^working-directory: .* has no requirements.txt, pyproject.toml or setup.py"):
        setup.plan(tmp_path, "", "")


def test_an_installer_killed_by_a_signal_is_tried_once_more(tmp_path, monkeypatch, capsys):
    crash_once = tmp_path / "crash_once.py"
    crash_once.write_text(
        "import os, pathlib, signal\n"
        "marker = pathlib.Path('crashed')\n"
        "if not marker.exists():\n"
        "    marker.touch()\n"
        "    os.kill(os.getpid(), signal.SIGSEGV)\n"
        "pathlib.Path('installed').touch()\n"
    )
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    monkeypatch.setattr(setup, "plan", lambda *args: [[sys.executable, str(crash_once)]])
    assert setup.run() == 0
    assert (tmp_path / "installed").exists()
    assert "::warning title=install::the installer was killed by signal 11; trying once more" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"KAIZEN_WORKING_DIRECTORY": "../../.."}, "working-directory: '../../..' is outside the repository"),
        ({"KAIZEN_REQUIREMENTS": "../secret.txt"}, "requirements: '../secret.txt' is outside the repository"),
        ({"KAIZEN_REQUIREMENTS": "src/requirements.txt"}, "requirements: 'src/requirements.txt' does not exist"),
        ({"KAIZEN_EXTRAS": "test"}, "extras: '.' has no pyproject.toml or setup.py, so it has no extras"),
        ({}, "working-directory: '.' has no requirements.txt, pyproject.toml or setup.py; add one, or set the"),
    ],
)
def test_bad_install_inputs_are_one_error_with_paths_as_the_repository_has_them(
    tmp_path, monkeypatch, capsys, inputs, message
):
    from kaizen.main import main

    repo = tmp_path / "repo"
    repo.mkdir()
    monkeypatch.setenv("GITHUB_WORKSPACE", str(repo))
    for name, value in inputs.items():
        monkeypatch.setenv(name, value)
    assert main(["setup"]) == 1
    [line] = [x for x in capsys.readouterr().out.splitlines() if x.startswith("::error")]
    assert message in line and str(tmp_path) not in line


def test_requirements_in_a_subfolder_are_installed_before_the_package(tmp_path, monkeypatch):
    monkeypatch.setattr(tool_env.shutil, "which", lambda name: "/opt/uv")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "requirements.txt").write_text("pyyaml\n")
    (tmp_path / "pyproject.toml").write_text("")
    commands = setup.plan(tmp_path, "train", "", ["src/requirements.txt", "dev.txt"])
    uv = ["/opt/uv", "pip", "install", "--python", sys.executable]
    assert commands == [[*uv, "-r", "src/requirements.txt", "-r", "dev.txt"], [*uv, "-e", ".[train]"]]
