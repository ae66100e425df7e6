"""Stage `evaluate`: score the model on the held-out split, write metrics.json and plot data."""

import csv
import json
from pathlib import Path

import joblib
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, roc_auc_score, roc_curve

from kaizen_example import METRICS_PATH, MODEL_PATH
from kaizen_example.prepare import OUT_DIR, read_csv

PLOTS_DIR = Path("plots")


def evaluate(
    model, features, labels
) -> tuple[dict[str, float], list[tuple[float, float]], list[tuple[int, int]]]:
    predicted = model.predict(features)
    scores = model.predict_proba(features)[:, 1]
    metrics = {
        "accuracy": round(float(accuracy_score(labels, predicted)), 4),
        "f1": round(float(f1_score(labels, predicted)), 4),
        "roc_auc": round(float(roc_auc_score(labels, scores)), 4),
    }
    fpr, tpr, _ = roc_curve(labels, scores)
    roc = [(round(float(a), 4), round(float(b), 4)) for a, b in zip(fpr, tpr, strict=True)]
    pairs = [(int(a), int(p)) for a, p in zip(labels, predicted, strict=True)]
    return metrics, roc, pairs


def write_rows(path: Path, header: tuple[str, str], rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def main() -> None:
    model = joblib.load(MODEL_PATH)
    features, labels = read_csv(OUT_DIR / "test.csv")
    metrics, roc, pairs = evaluate(model, features, labels)
    METRICS_PATH.write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    write_rows(PLOTS_DIR / "roc.csv", ("fpr", "tpr"), roc)
    write_rows(PLOTS_DIR / "confusion.csv", ("actual", "predicted"), pairs)
    # Sanity check the confusion matrix has both classes; a one-class split means a broken prepare.
    if confusion_matrix([a for a, _ in pairs], [p for _, p in pairs]).shape != (2, 2):
        raise SystemExit("evaluate: the test split does not hold both classes")
    print(json.dumps(metrics))


if __name__ == "__main__":
    main()
