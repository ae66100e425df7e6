"""The model as an HTTP service: /health, /predict and /metadata.

/metadata names the commit (KAIZEN_GIT_SHA) and the model it serves; /predict records a sample of
its rows and answers for Kaizen's drift check (kaizen_example.sample_log).

The model, its metrics and the build's identity are read once at start-up, from the paths and
variables the Dockerfile sets, so a container that cannot load its model never reports healthy.
The image serves the model exported to plain numbers (`linear.py`, a `.json` path), with the
standard library alone; a `.joblib` path (development, the tests) is loaded with scikit-learn.
"""

from __future__ import annotations

import hashlib
import json
import os
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

from kaizen_example import METRICS_PATH, MODEL_PATH
from kaizen_example.linear import LinearModel
from kaizen_example.sample_log import Recorder, Settings

MAX_INSTANCES = 1000


class PredictRequest(BaseModel):
    instances: list[list[float]] = Field(
        min_length=1,
        max_length=MAX_INSTANCES,
        description="Rows of features, in the order of the training data's columns.",
    )


class PredictResponse(BaseModel):
    predictions: list[int]
    probabilities: list[float]
    model_version: str


class Model:
    def __init__(self, model_path: Path, metrics_path: Path) -> None:
        if model_path.suffix == ".json":
            self.estimator: Any = LinearModel.load(model_path)
            # The trained file's hash, so the version is the same however the model is served.
            self.sha256 = self.estimator.source_sha256
            self.estimator_name = self.estimator.estimator_name
        else:
            import joblib

            self.estimator = joblib.load(model_path)
            self.sha256 = hashlib.sha256(model_path.read_bytes()).hexdigest()
            self.estimator_name = type(self.estimator[-1]).__name__
        self.n_features = int(self.estimator.n_features_in_)
        self.metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else {}

    def probabilities(self, rows: list[list[float]]) -> list[float]:
        """The probability of class 1 for each row."""
        if isinstance(self.estimator, LinearModel):
            return self.estimator.positive_probabilities(rows)
        return [float(p) for p in self.estimator.predict_proba(rows)[:, 1]]

    def metadata(self) -> dict[str, Any]:
        return {
            "model_version": os.environ.get("KAIZEN_MODEL_VERSION") or self.sha256[:12],
            "git_sha": os.environ.get("KAIZEN_GIT_SHA", ""),
            "model_sha256": self.sha256,
            "estimator": self.estimator_name,
            "n_features": self.n_features,
            "metrics": self.metrics,
        }


@lru_cache(maxsize=1)
def load_model() -> Model:
    return Model(
        Path(os.environ.get("KAIZEN_MODEL_PATH", MODEL_PATH)),
        Path(os.environ.get("KAIZEN_METRICS_PATH", METRICS_PATH)),
    )


@lru_cache(maxsize=1)
def recorder() -> Recorder:
    metadata = load_model().metadata()
    return Recorder(Settings.from_env(), metadata["git_sha"], metadata["model_version"])


@asynccontextmanager
async def lifespan(_: FastAPI):
    load_model()  # fail at start-up, not on the first request
    recorder()
    yield
    recorder().close()
    recorder.cache_clear()


app = FastAPI(title="kaizen-example", description="Breast-cancer classifier", lifespan=lifespan)


@app.get("/health")
def health() -> dict[str, str]:
    model = load_model()
    return {"status": "ok", "model_version": model.metadata()["model_version"]}


@app.get("/metadata")
def metadata() -> dict[str, Any]:
    return load_model().metadata()


@app.post("/predict", response_model=PredictResponse)
def predict(request: PredictRequest) -> PredictResponse:
    model = load_model()
    expected = model.n_features
    for index, row in enumerate(request.instances):
        if len(row) != expected:
            detail = f"instances[{index}] has {len(row)} features; the model takes {expected}"
            raise HTTPException(status_code=422, detail=detail)
    raw = model.probabilities(request.instances)
    predictions = [int(p >= 0.5) for p in raw]
    probabilities = [round(float(p), 6) for p in raw]
    recorder().record(request.instances, predictions, probabilities)
    return PredictResponse(
        predictions=predictions,
        probabilities=probabilities,
        model_version=model.metadata()["model_version"],
    )
