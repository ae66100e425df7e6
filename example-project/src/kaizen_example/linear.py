"""The trained model as plain numbers, so the service needs neither scikit-learn nor SciPy nor
NumPy: a StandardScaler + LogisticRegression pipeline is a mean and a scale per feature, one
weight per feature and an intercept, and its probability is a logistic of a sum.

The image's build exports models/model.joblib to JSON with scikit-learn (`python linear.py
MODEL.joblib OUT.json`, run on its own, so it imports nothing of this package), and serves the
JSON with the standard library alone. A model this cannot express (a random forest) stops the
build with the reason; serve it with scikit-learn instead (see the Dockerfile).
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from pathlib import Path
from typing import Any

FORMAT = "kaizen-example/linear-v1"


class NotLinear(ValueError):
    """The model is not a StandardScaler + binary LogisticRegression pipeline."""


def export(estimator: Any, source_sha256: str = "") -> dict[str, Any]:
    """The numbers of a fitted StandardScaler + LogisticRegression pipeline, as JSON-ready data."""
    steps = [step for _, step in getattr(estimator, "steps", [])]
    names = [type(step).__name__ for step in steps]
    if names != ["StandardScaler", "LogisticRegression"]:
        found = " + ".join(names) or type(estimator).__name__
        raise NotLinear(
            f"the model is {found}; only StandardScaler + LogisticRegression serves as numbers"
        )
    scaler, classifier = steps
    if len(classifier.classes_) != 2:
        raise NotLinear(
            f"the classifier has {len(classifier.classes_)} classes; this serves binary ones"
        )
    n_features = int(classifier.n_features_in_)
    mean = scaler.mean_ if scaler.with_mean else [0.0] * n_features
    scale = scaler.scale_ if scaler.with_std else [1.0] * n_features
    return {
        "format": FORMAT,
        "estimator": "LogisticRegression",
        "source_sha256": source_sha256,
        "classes": [int(c) for c in classifier.classes_],
        "mean": [float(v) for v in mean],
        "scale": [float(v) for v in scale],
        "coef": [float(v) for v in classifier.coef_[0]],
        "intercept": float(classifier.intercept_[0]),
    }


class LinearModel:
    """What the service calls: the probability of the second class for each row."""

    def __init__(self, data: dict[str, Any]) -> None:
        if data.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} model (format {data.get('format')!r})")
        self.estimator_name = data["estimator"]
        self.source_sha256 = data.get("source_sha256", "")
        # Folded once: ((x - mean) / scale) . coef + b = x . w + (b - mean . w), w = coef / scale
        self.weights = [c / s for c, s in zip(data["coef"], data["scale"], strict=True)]
        self.bias = data["intercept"] - math.fsum(
            m * w for m, w in zip(data["mean"], self.weights, strict=True)
        )
        self.n_features_in_ = len(self.weights)

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def positive_probabilities(self, rows: list[list[float]]) -> list[float]:
        return [
            sigmoid(math.fsum(x * w for x, w in zip(row, self.weights, strict=True)) + self.bias)
            for row in rows
        ]


def sigmoid(z: float) -> float:
    # Either branch stays finite for any z (math.exp overflows past about 709).
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python linear.py MODEL.joblib OUT.json", file=sys.stderr)
        return 2
    import joblib

    source, out = Path(argv[0]), Path(argv[1])
    try:
        data = export(joblib.load(source), hashlib.sha256(source.read_bytes()).hexdigest())
    except NotLinear as error:
        print(
            f"error: {source}: {error}. Serve it with scikit-learn: in the Dockerfile, install "
            "requirements-model.txt in the deps stage and serve models/model.joblib.",
            file=sys.stderr,
        )
        return 1
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data), encoding="utf-8")
    print(f"exported {data['estimator']} ({len(data['coef'])} features) to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
