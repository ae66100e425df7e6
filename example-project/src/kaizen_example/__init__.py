"""A small but real scikit-learn classifier, trained and evaluated by a DVC pipeline."""

__version__ = "0.1.0"

from pathlib import Path

# Where the pipeline writes the model and its metrics (train.py, evaluate.py), and where the
# service looks by default; here so the service imports neither stage (nor scikit-learn).
MODEL_PATH = Path("models/model.joblib")
METRICS_PATH = Path("metrics.json")
