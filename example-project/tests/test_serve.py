import json
import os
import time
from pathlib import Path

import joblib
import pytest
from fastapi.testclient import TestClient

from kaizen_example import linear, prepare, serve, train

SAMPLE = Path(__file__).resolve().parents[1] / "serving" / "sample-request.json"


@pytest.fixture()
def client(tmp_path, monkeypatch):
    prepare.prepare(test_size=0.25, seed=0, out_dir=tmp_path)
    model = train.train({"model": "logistic_regression"}, tmp_path / "train.csv")
    joblib.dump(model, tmp_path / "model.joblib")
    (tmp_path / "metrics.json").write_text(json.dumps({"accuracy": 0.97}))
    monkeypatch.setenv("KAIZEN_MODEL_PATH", str(tmp_path / "model.joblib"))
    monkeypatch.setenv("KAIZEN_METRICS_PATH", str(tmp_path / "metrics.json"))
    monkeypatch.setenv("KAIZEN_GIT_SHA", "abc123")
    serve.load_model.cache_clear()
    with TestClient(serve.app) as test_client:
        yield test_client
    serve.load_model.cache_clear()


def test_health_names_the_model_version(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_predict_classifies_the_shipped_sample(client):
    response = client.post("/predict", json=json.loads(SAMPLE.read_text()))
    assert response.status_code == 200
    body = response.json()
    # Row 0 of the data set is malignant (0), row 19 benign (1).
    assert body["predictions"] == [0, 1]
    assert all(0.0 <= p <= 1.0 for p in body["probabilities"])


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"instances": [[1.0, 2.0]]}, "instances[0] has 2 features; the model takes 30"),
        ({"instances": []}, "at least 1 item"),
        ({"rows": [[1.0] * 30]}, "instances"),
        ({"instances": [["x"] * 30]}, "valid number"),
    ],
)
def test_bad_input_gets_a_clear_422(client, payload, fragment):
    response = client.post("/predict", json=payload)
    assert response.status_code == 422
    assert fragment in json.dumps(response.json())


def test_metadata_reports_version_sha_and_metrics(client):
    body = client.get("/metadata").json()
    assert body["git_sha"] == "abc123"
    assert body["metrics"] == {"accuracy": 0.97}
    assert body["n_features"] == 30
    assert body["model_version"] == body["model_sha256"][:12]


def test_a_missing_model_fails_at_start_up(tmp_path, monkeypatch):
    monkeypatch.setenv("KAIZEN_MODEL_PATH", str(tmp_path / "absent.joblib"))
    serve.load_model.cache_clear()
    with pytest.raises(FileNotFoundError), TestClient(serve.app):
        pass
    serve.load_model.cache_clear()


def test_predictions_are_sampled_into_a_bounded_rotating_log(tmp_path, monkeypatch, client):
    from kaizen_example.sample_log import Recorder, Settings

    folder = tmp_path / "sample"
    monkeypatch.setenv("KAIZEN_SAMPLE_DIR", str(folder))
    monkeypatch.setenv("KAIZEN_SAMPLE_RATE", "1")
    monkeypatch.setenv("KAIZEN_SAMPLE_MAX_BYTES", "2048")
    monkeypatch.setenv("KAIZEN_SAMPLE_FILES", "2")
    request = json.loads(SAMPLE.read_text())
    serve.recorder.cache_clear()  # the fixture's client started one that records nothing
    with TestClient(serve.app) as sampling:  # start-up reads the settings
        for _ in range(40):
            assert sampling.post("/predict", json=request).status_code == 200
    files = sorted(folder.glob("sample-*.jsonl*"))
    assert len(files) == 2  # rotated, and no more files than the setting keeps
    lines = [json.loads(line) for path in files for line in path.read_text().splitlines()]
    assert {line["git_sha"] for line in lines} == {"abc123"}
    assert all(line["features"] in request["instances"] for line in lines)
    assert {line["prediction"] for line in lines} == {0, 1}
    assert sum(path.stat().st_size for path in files) <= 2 * 2048
    # An older container's files count against the folder's budget, oldest first.
    old = folder / "sample-old-container.jsonl"
    old.write_text("x" * 3000)
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    Recorder(Settings(folder, rate=1.0, max_bytes=1024, files=1), "abc123", "v1").close()
    assert not old.exists()
    assert sum(path.stat().st_size for path in folder.iterdir()) <= 2 * 1024


def test_sampling_rate_zero_and_no_folder_record_nothing(tmp_path):
    from kaizen_example.sample_log import Recorder, Settings

    assert Recorder(Settings(None, rate=1.0), "", "v").record([[1.0]], [1], [0.9]) == 0
    off = Recorder(Settings(tmp_path / "s", rate=0.0), "", "v")
    assert off.record([[1.0]], [1], [0.9]) == 0
    assert not (tmp_path / "s").exists()
    some = Recorder(Settings(tmp_path / "t", rate=0.5), "", "v")
    recorded = some.record([[1.0]] * 2000, [1] * 2000, [0.9] * 2000)
    some.close()
    assert 850 < recorded < 1150  # about half, sampled per row
    assert len((tmp_path / "t").glob("*.jsonl").__next__().read_text().splitlines()) == recorded


def test_bad_sampling_settings_are_refused(monkeypatch):
    from kaizen_example.sample_log import Settings

    monkeypatch.setenv("KAIZEN_SAMPLE_RATE", "2")
    with pytest.raises(ValueError, match="KAIZEN_SAMPLE_RATE"):
        Settings.from_env()


def test_the_image_serves_the_exported_numbers_with_the_same_answers(client, tmp_path, monkeypatch):
    """The image serves models/model.json (linear.py's export), without scikit-learn: the same
    predictions, probabilities (to 1e-9) and model version as the trained file itself."""
    sample = json.loads(SAMPLE.read_text())
    from_joblib = client.post("/predict", json=sample).json()
    metadata = client.get("/metadata").json()
    assert linear.main([str(tmp_path / "model.joblib"), str(tmp_path / "model.json")]) == 0
    monkeypatch.setenv("KAIZEN_MODEL_PATH", str(tmp_path / "model.json"))
    serve.load_model.cache_clear()
    with TestClient(serve.app) as numbers:
        from_json = numbers.post("/predict", json=sample).json()
        assert numbers.get("/metadata").json() == metadata
        assert (
            "has 2 features; the model takes 30"
            in numbers.post("/predict", json={"instances": [[1, 2]]}).text
        )
    serve.load_model.cache_clear()
    assert from_json["predictions"] == from_joblib["predictions"] == [0, 1]
    assert from_json["probabilities"] == pytest.approx(from_joblib["probabilities"], abs=1e-9)
    assert from_json["model_version"] == from_joblib["model_version"]


def test_a_model_the_numbers_cannot_express_stops_the_export_with_the_reason(tmp_path, capsys):
    prepare.prepare(test_size=0.25, seed=0, out_dir=tmp_path)
    forest = train.train({"model": "random_forest", "n_estimators": 3}, tmp_path / "train.csv")
    joblib.dump(forest, tmp_path / "forest.joblib")
    assert linear.main([str(tmp_path / "forest.joblib"), str(tmp_path / "forest.json")]) == 1
    assert "StandardScaler + RandomForestClassifier" in capsys.readouterr().err
    assert not (tmp_path / "forest.json").exists()
