"""kaizen.tool_env: the hashed locks of the tools Kaizen installs on a runner."""

import hashlib
import sys
from pathlib import Path

import pytest

from kaizen import tool_env
from kaizen_maintainer import locks

ROOT = Path(__file__).resolve().parents[2]
LOCKS = sorted(p.stem for p in tool_env.LOCKS.glob("*.in"))


def test_the_locks_are_found_beside_the_package_not_by_counting_folders():
    assert tool_env.LOCKS == Path(tool_env.__file__).resolve().parent / "locks"
    assert set(LOCKS) == {
        "lint-ruff",
        "lint-black",
        "dvc",
        "dvc-s3",
        "dvc-ssh",
        "dvc-s3-ssh",
        "test-coverage",
        "load-test",
        "drift",
    }


@pytest.mark.parametrize("name", LOCKS)
def test_every_lock_pins_every_package_with_hashes(name):
    text = tool_env.lock_file(name).read_text(encoding="utf-8")
    requirements = [line for line in text.splitlines() if line and not line.startswith((" ", "#"))]
    assert requirements, name
    for line in requirements:
        assert "==" in line and line.rstrip().endswith("\\"), f"{name}: {line!r} is not pinned with hashes"
    assert text.count("--hash=sha256:") >= len(requirements)


def test_the_locks_agree_with_their_sources_and_were_compiled_by_kaizen_locks():
    assert locks.stale(ROOT) == []


def test_a_lock_is_installed_with_hashes_required(monkeypatch):
    monkeypatch.setattr(tool_env.shutil, "which", lambda name: "/opt/uv")
    command = tool_env.install_locked("dvc-s3")
    assert command[:5] == ["/opt/uv", "pip", "install", "--python", sys.executable]
    assert "--require-hashes" in command and command[-2:] == ["-r", str(tool_env.LOCKS / "dvc-s3.txt")]
    monkeypatch.setattr(tool_env.shutil, "which", lambda name: None)
    assert tool_env.install_locked("lint-ruff", "/venv/bin/python")[:4] == ["/venv/bin/python", "-m", "pip", "install"]


def test_top_level_pins_follow_the_includes_of_a_source():
    pins = tool_env.pins("dvc-s3-ssh")
    assert {"dvc", "vl-convert-python", "dvc-s3", "dvc-ssh"} <= set(pins)
    assert pins["dvc"] == tool_env.read_pins(tool_env.lock_file("dvc-s3-ssh"))["dvc"]


def test_the_test_suite_installs_its_own_tools_with_hashes():
    assert "--hash=sha256:" in (ROOT / "requirements-dev.txt").read_text()
    assert "--require-hashes -r requirements-dev.txt" in (ROOT / "Makefile").read_text()


def test_a_cached_venv_is_installed_once_per_tool_cache_and_keyed_by_its_lock(tmp_path, monkeypatch):
    calls = []

    def fake_private_venv(tools_dir, lock, overrides=(), what=""):
        calls.append(tools_dir)
        return tools_dir / "bin"

    monkeypatch.setattr(tool_env, "private_venv", fake_private_venv)
    monkeypatch.setenv("RUNNER_TOOL_CACHE", str(tmp_path / "toolcache"))
    digest = hashlib.sha256(tool_env.lock_file("load-test").read_bytes()).hexdigest()[:16]
    assert tool_env.cached_venv("load-test") == tmp_path / "toolcache" / "kaizen" / "load-test" / digest / "bin"
    # No tool cache (a laptop): the job's temp folder.
    monkeypatch.delenv("RUNNER_TOOL_CACHE")
    monkeypatch.setenv("RUNNER_TEMP", str(tmp_path / "temp"))
    assert tool_env.cached_venv("load-test").parent.parent == tmp_path / "temp" / "kaizen" / "load-test"
