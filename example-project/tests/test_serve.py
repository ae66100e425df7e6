import json
from pathlib import Path

import joblib
import pytest
from fastapi.testclient import TestClient

from kaizen_example import prepare, serve, train

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
