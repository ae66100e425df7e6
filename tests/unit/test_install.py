import sys

import pytest

from kaizen import install
from kaizen.gha import InputError


def test_requirements_then_the_package(tmp_path, monkeypatch):
    monkeypatch.setattr(install.shutil, "which", lambda name: None)
    (tmp_path / "requirements.txt").write_text("pyyaml\n")
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    commands = install.plan(tmp_path, "test", "")
    pip = [sys.executable, "-m", "pip", "install", "--progress-bar", "off", "--disable-pip-version-check"]
    assert commands == [[*pip, "-r", "requirements.txt"], [*pip, "-e", ".[test]"]]


def test_uv_is_preferred_when_on_path(tmp_path, monkeypatch):
    monkeypatch.setattr(install.shutil, "which", lambda name: "/opt/uv")
    (tmp_path / "setup.py").write_text("")
    assert install.plan(tmp_path, "", "") == [["/opt/uv", "pip", "install", "--python", sys.executable, "-e", "."]]


def test_custom_install_command_replaces_the_default(tmp_path):
    assert install.plan(tmp_path, "", "make deps") == [["bash", "-eo", "pipefail", "-c", "make deps"]]


def test_a_folder_without_dependency_files_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="^working-directory: .* has no requirements.txt, pyproject.toml or setup.py"):
        install.plan(tmp_path, "", "")
