"""`kaizen drift` as actions/drift runs it: inputs from the environment, the example project's
training data as the reference, a sample in the serving contract's format."""

import csv
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from fixture_projects import git

from kaizen.main import main

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture()
def workspace(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    (repo / "data").mkdir(parents=True)
    rng = np.random.default_rng(0)
    with (repo / "data" / "train.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["radius", "texture", "target"])
        for _ in range(1000):
            writer.writerow([f"{rng.normal(14, 3):.4f}", f"{rng.normal(19, 4):.4f}", int(rng.random() < 0.6)])
    for key, value in {
        "GITHUB_WORKSPACE": repo,
        "RUNNER_TEMP": tmp_path / "runner",
        "GITHUB_STEP_SUMMARY": tmp_path / "summary.md",
        "GITHUB_OUTPUT": tmp_path / "output",
        "KAIZEN_REFERENCE": "data/train.csv",
        "KAIZEN_SERVING": "sample",
    }.items():
        monkeypatch.setenv(key, str(value))
    monkeypatch.chdir(repo)
    return repo


def write_sample(repo: Path, shift: float, rows: int = 600, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    (repo / "sample").mkdir(exist_ok=True)
    with (repo / "sample" / "sample-host.jsonl").open("w") as handle:
        for _ in range(rows):
            line = {
                "time": "2026-12-02T06:00:00+00:00",
                "git_sha": "0" * 40,
                "features": [round(rng.normal(14 + shift * 3, 3), 4), round(rng.normal(19, 4), 4)],
                "prediction": int(rng.random() < 0.6),
            }
            handle.write(json.dumps(line) + "\n")


def outputs(tmp_path) -> dict[str, str]:
    text = (tmp_path / "output").read_text()
    found = {}
    for name in ("breached", "drifted"):
        marker = f"{name}<<"
        start = text.index(marker)
        delimiter = text[start + len(marker) : text.index("\n", start)]
        body = text[text.index("\n", start) + 1 : text.index(delimiter, text.index("\n", start))]
        found[name] = body.rstrip("\n")
    return found


def test_a_shifted_sample_breaches_and_the_report_lands_in_the_summary(workspace, tmp_path):
    write_sample(workspace, shift=0.5)
    assert main(["drift"]) == 0
    assert outputs(tmp_path) == {"breached": "true", "drifted": "radius"}
    summary = (tmp_path / "summary.md").read_text()
    assert summary.startswith("## Drift: 🟥 breached") and "`radius`" in summary and "```mermaid" in summary
    results = json.loads((tmp_path / "runner" / "kaizen-drift" / "results.json").read_text())
    assert results["breached"] and results["serving_rows"] == 600
    assert [c["name"] for c in results["columns"]] == ["radius", "texture", "prediction"]


def test_an_unshifted_sample_passes_and_fail_on_breach_fails(workspace, tmp_path, monkeypatch, capsys):
    write_sample(workspace, shift=0.0)
    assert main(["drift"]) == 0
    assert outputs(tmp_path)["breached"] == "false"
    write_sample(workspace, shift=1.0)
    monkeypatch.setenv("KAIZEN_FAIL_ON_BREACH", "true")
    (tmp_path / "output").unlink()
    assert main(["drift"]) == 1
    errors = [line for line in capsys.readouterr().out.splitlines() if line.startswith("::error")]
    assert len(errors) == 1 and "breached the drift thresholds (radius)" in errors[0]


def test_thresholds_come_from_the_gate_file(workspace, tmp_path):
    write_sample(workspace, shift=0.5)
    (workspace / ".kaizen").mkdir()
    (workspace / ".kaizen" / "quality-gate.yml").write_text(
        "drift:\n  psi: 5\n  p_value: 1.0e-300\n  out_of_range_share: 0.9\n"
    )
    assert main(["drift"]) == 0
    assert outputs(tmp_path)["breached"] == "false"


def test_without_numpy_it_installs_the_drift_lock_and_runs_there(workspace, tmp_path, monkeypatch):
    """The runner's Python has no scipy: the command reruns itself in a venv of the hashed lock.
    Here the 'venv' is faked only in where it is found: a python without numpy would need the index."""
    from kaizen.actions import drift

    calls = []
    monkeypatch.setattr(drift, "has_statistics", lambda: False)
    monkeypatch.setattr(
        drift.tool_env, "private_venv", lambda folder, lock, what="": calls.append(lock) or Path(sys.executable).parent
    )
    write_sample(workspace, shift=0.5)
    assert main(["drift"]) == 0
    assert calls == ["drift"]
    assert outputs(tmp_path)["breached"] == "true"  # written by the rerun, a process of its own


def test_the_reference_is_the_training_data_at_the_serving_commit(workspace, tmp_path, monkeypatch):
    """The service still runs the model trained on v1 data; main has since moved to data that
    looks like the sample. Compared with v1 (the serving commit) the sample drifted."""
    git(workspace, "init", "-q", "-b", "main")
    git(workspace, "add", "data")
    git(workspace, "commit", "-qm", "v1 data")
    serving = git(workspace, "rev-parse", "HEAD")
    write_sample(workspace, shift=1.0)
    rng = np.random.default_rng(5)
    with (workspace / "data" / "train.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["radius", "texture", "target"])
        for _ in range(1000):
            writer.writerow([f"{rng.normal(17, 3):.4f}", f"{rng.normal(19, 4):.4f}", int(rng.random() < 0.6)])
    git(workspace, "commit", "-qam", "v2 data")
    assert main(["drift"]) == 0
    assert outputs(tmp_path)["breached"] == "false"  # against main's data: no drift
    (tmp_path / "output").unlink()
    monkeypatch.setenv("KAIZEN_SERVING_COMMIT", serving)
    assert main(["drift"]) == 0
    assert outputs(tmp_path) == {"breached": "true", "drifted": "radius"}
    assert f"Serving commit `{serving[:12]}`" in (tmp_path / "summary.md").read_text()


def test_the_serving_commit_comes_from_the_services_metadata(workspace, tmp_path, monkeypatch, capsys):
    import http.server
    import threading

    answers = {"/metadata": {"git_sha": "a" * 40, "model_version": "v1"}, "/bad": {"model_version": "v1"}}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = json.dumps(answers[self.path]).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        write_sample(workspace, shift=0.0)
        git(workspace, "init", "-q", "-b", "main")
        monkeypatch.setenv("KAIZEN_METADATA_URL", f"http://127.0.0.1:{server.server_address[1]}/metadata")
        assert main(["drift"]) == 1  # that commit is not in this checkout: one clear error
        errors = [line for line in capsys.readouterr().out.splitlines() if line.startswith("::error")]
        assert len(errors) == 1 and "serving commit aaaaaaaaaaaa is not in this checkout" in errors[0]
        monkeypatch.setenv("KAIZEN_METADATA_URL", f"http://127.0.0.1:{server.server_address[1]}/bad")
        assert main(["drift"]) == 1
        errors = [line for line in capsys.readouterr().out.splitlines() if line.startswith("::error")]
        assert len(errors) == 1 and "names no commit" in errors[0]
    finally:
        server.shutdown()
