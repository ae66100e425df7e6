"""The DVC wrapper (kaizen.dvc): parsing DVC's output and dvc.yaml, explaining its failures."""

from pathlib import Path

from kaizen import dvc

ROOT = Path(__file__).resolve().parents[2]


def test_repro_output_is_parsed_into_ran_restored_and_skipped():
    output = (
        "Stage 'prepare' didn't change, skipping\nRunning stage 'train':\n> python -m train\n"
        "Running stage 'evaluate':\nStage 'export' is cached - skipping run, checking out outputs\n"
    )
    result = dvc.parse_repro(output)
    assert (result.ran, result.restored, result.skipped) == (["train", "evaluate"], ["export"], ["prepare"])


def test_declared_metrics_of_the_example_project():
    text = (ROOT / "example-project" / "dvc.yaml").read_text()
    assert dvc.declared_metrics(text) == [("metrics.json", False)]
    assert dvc.declared_metrics("metrics:\n  - eval/m.json\nstages: {}\n") == [("eval/m.json", True)]


def test_remote_failures_are_explained():
    message = dvc.explain_failure("pull", "ERROR: failed to pull data from the cloud - Connection refused")
    assert message.startswith("dvc pull: the DVC remote is unreachable or refused the credentials")
    assert "Nothing was overwritten" in message
    assert dvc.explain_failure("repro", "ERROR: stage failed").startswith("dvc repro failed: ERROR: stage")
