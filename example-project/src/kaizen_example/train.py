"""Stage `train`: fit the classifier named in params.yaml and save it with joblib."""

from pathlib import Path
from typing import Any

import joblib
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from kaizen_example import MODEL_PATH
from kaizen_example.params import load_params
from kaizen_example.prepare import OUT_DIR, read_csv


def build_model(params: dict[str, Any]) -> Pipeline:
    kind = params.get("model", "logistic_regression")
    if kind == "logistic_regression":
        estimator = LogisticRegression(
            C=float(params.get("C", 1.0)), max_iter=int(params.get("max_iter", 1000))
        )
    elif kind == "random_forest":
        estimator = RandomForestClassifier(
            n_estimators=int(params.get("n_estimators", 100)),
            random_state=int(params.get("seed", 0)),
        )
    else:
        raise ValueError(
            f"params.yaml: train.model must be logistic_regression or random_forest, not {kind!r}"
        )
    return make_pipeline(StandardScaler(), estimator)


def train(params: dict[str, Any], train_csv: Path = OUT_DIR / "train.csv") -> Pipeline:
    features, labels = read_csv(train_csv)
    model = build_model(params)
    model.fit(features, labels)
    return model


def main() -> None:
    model = train(load_params("train"))
    MODEL_PATH.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, MODEL_PATH)
    print(f"saved {type(model[-1]).__name__} to {MODEL_PATH}")


if __name__ == "__main__":
    main()
