"""The model as an HTTP service: /health, /predict and /metadata.

/metadata names the commit (KAIZEN_GIT_SHA) and the model it serves; /predict records a sample of
its rows and answers for Kaizen's drift check (kaizen_example.sample_log).

The model, its metrics and the build's identity are read once at start-up, from the paths and
variables the Dockerfile sets, so a container that cannot load its model never reports healthy.
"""

from __future__ import annotations

import hashlib
import json
import os
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import joblib
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

from kaizen_example.evaluate import METRICS_PATH
from kaizen_example.sample_log import Recorder, Settings
from kaizen_example.train import MODEL_PATH

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
        self.estimator = joblib.load(model_path)
        self.sha256 = hashlib.sha256(model_path.read_bytes()).hexdigest()
        self.n_features = int(self.estimator.n_features_in_)
        self.metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else {}

    def metadata(self) -> dict[str, Any]:
        return {
            "model_version": os.environ.get("KAIZEN_MODEL_VERSION") or self.sha256[:12],
            "git_sha": os.environ.get("KAIZEN_GIT_SHA", ""),
            "model_sha256": self.sha256,
            "estimator": type(self.estimator[-1]).__name__,
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
    raw = model.estimator.predict_proba(request.instances)[:, 1]
    predictions = [int(p >= 0.5) for p in raw]
    probabilities = [round(float(p), 6) for p in raw]
    recorder().record(request.instances, predictions, probabilities)
    return PredictResponse(
        predictions=predictions,
        probabilities=probabilities,
        model_version=model.metadata()["model_version"],
    )
