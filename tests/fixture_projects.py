"""Projects shaped unlike example-project/, written by the tests (nothing downloaded). Each
function writes a project into an empty folder; the caller makes it a git and DVC repository.

- get_started: the shape of DVC's public get-started example (iterative/example-get-started),
  with its own small code: a random forest on generated data, evaluated with DVCLive into the
  DVC-cached output `eval/`, with top-level `metrics:` and `plots:` (ROC, precision-recall and
  confusion per split, one file per split, and a feature-importance image), requirements in
  src/requirements.txt only.
"""

from __future__ import annotations

import json
import os
import re
import struct
import subprocess
import zlib
from pathlib import Path

# Pinned as the example project pins them, so the runner's uv cache serves them.
GET_STARTED_REQUIREMENTS = "scikit-learn==1.7.2\ndvclive==3.49.0\n"

GET_STARTED_TRAIN = '''\
"""Train a random forest on generated data (the get-started example trains on StackOverflow posts)."""

import pickle
import sys

import yaml
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier


def main(out):
    params = yaml.safe_load(open("params.yaml"))["train"]
    x, y = make_classification(n_samples=600, n_features=12, n_informative=4, random_state=params["seed"])
    model = RandomForestClassifier(
        n_estimators=params["n_est"], min_samples_split=params["min_split"], random_state=params["seed"]
    )
    model.fit(x[:400], y[:400])
    with open(out, "wb") as handle:
        pickle.dump({"model": model, "train": (x[:400], y[:400]), "test": (x[400:], y[400:])}, handle)


if __name__ == "__main__":
    main(sys.argv[1])
'''

GET_STARTED_EVALUATE = '''\
"""Evaluate with DVCLive into eval/: metrics.json, sklearn plots per split, an importance image."""

import pickle
import sys
from pathlib import Path

from dvclive import Live
from sklearn import metrics

sys.path.insert(0, str(Path(__file__).parent))
from png import bar_chart_png  # noqa: E402


def main(model_file):
    saved = pickle.load(open(model_file, "rb"))
    model = saved["model"]
    with Live("eval", dvcyaml=False) as live:
        live.summary = {"avg_prec": {}, "roc_auc": {}}
        for split in ("train", "test"):
            x, y = saved[split]
            scores = model.predict_proba(x)[:, 1]
            live.summary["avg_prec"][split] = metrics.average_precision_score(y, scores)
            live.summary["roc_auc"][split] = metrics.roc_auc_score(y, scores)
            live.log_sklearn_plot("roc", y, scores, name=f"roc/{split}")
            live.log_sklearn_plot("precision_recall", y, scores, name=f"prc/{split}", drop_intermediate=True)
            live.log_sklearn_plot("confusion_matrix", y, model.predict(x), name=f"cm/{split}")
        image = Path("eval/plots/images/importance.png")
        image.parent.mkdir(parents=True, exist_ok=True)
        image.write_bytes(bar_chart_png(list(model.feature_importances_)))


if __name__ == "__main__":
    main(sys.argv[1])
'''

# A PNG without matplotlib: one bar per feature, its height the importance.
PNG_WRITER = """\
import struct
import zlib


def bar_chart_png(values, width=12, height=60):
    top = max(values) or 1
    rows = []
    for row in range(height):
        line = bytearray([0])
        for value in values:
            filled = height - row <= value / top * height
            line += bytes((40, 90, 200) if filled else (255, 255, 255)) * width
        rows.append(bytes(line))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width * len(values), height, 8, 2, 0, 0, 0)
    image = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b"")
    return b"\\x89PNG\\r\\n\\x1a\\n" + image
"""

GET_STARTED_DVC_YAML = """\
stages:
  train:
    cmd: python src/train.py model.pkl
    deps:
    - src/train.py
    params:
    - train.min_split
    - train.n_est
    - train.seed
    outs:
    - model.pkl
  evaluate:
    cmd: python src/evaluate.py model.pkl
    deps:
    - model.pkl
    - src/evaluate.py
    - src/png.py
    outs:
    - eval
metrics:
- eval/metrics.json
plots:
- ROC:
    template: simple
    x: fpr
    y:
      eval/plots/sklearn/roc/train.json: tpr
      eval/plots/sklearn/roc/test.json: tpr
- Confusion-Matrix:
    template: confusion
    x: actual
    y:
      eval/plots/sklearn/cm/train.json: predicted
      eval/plots/sklearn/cm/test.json: predicted
- Precision-Recall:
    template: simple
    x: recall
    y:
      eval/plots/sklearn/prc/train.json: precision
      eval/plots/sklearn/prc/test.json: precision
- eval/plots/images/importance.png
"""


def get_started(dest: Path, n_est: int = 50) -> Path:
    (dest / "src").mkdir(parents=True, exist_ok=True)
    (dest / "src" / "requirements.txt").write_text(GET_STARTED_REQUIREMENTS)
    (dest / "src" / "train.py").write_text(GET_STARTED_TRAIN)
    (dest / "src" / "evaluate.py").write_text(GET_STARTED_EVALUATE)
    (dest / "src" / "png.py").write_text(PNG_WRITER)
    (dest / "params.yaml").write_text(f"train:\n  seed: 20170428\n  n_est: {n_est}\n  min_split: 0.01\n")
    (dest / "dvc.yaml").write_text(GET_STARTED_DVC_YAML)
    (dest / ".gitignore").write_text("__pycache__/\n")
    (dest / ".kaizen").mkdir(exist_ok=True)
    (dest / ".kaizen" / "quality-gate.yml").write_text(
        "metrics:\n  roc_auc.test: {direction: higher, min: 0.5, max_regression: 0.2}\n"
        "  avg_prec.train: {direction: higher, informational: true}\n"
    )
    return dest


def set_n_est(project: Path, n_est: int) -> None:
    params = project / "params.yaml"
    params.write_text(re.sub(r"n_est: \d+", f"n_est: {n_est}", params.read_text()))


def png_bytes() -> bytes:
    """A 1x1 PNG, for image plots in unit tests."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


# Every plot template DVC ships, several files for one plot, an image: for the plot tests.
ALL_TEMPLATES_DVC_YAML = """\
plots:
  - ROC:
      template: simple
      x: fpr
      y:
        eval/roc/train.json: tpr
        eval/roc/test.json: tpr
  - eval/cm.csv:
      template: confusion
      x: actual
      y: predicted
      title: Confusion | <b>matrix</b>
  - eval/cm_norm.csv:
      template: confusion_normalized
      x: actual
      y: predicted
  - eval/resid.csv:
      template: scatter
      x: pred
      y: resid
      title: Residuals
  - Loss:
      template: linear
      x: step
      y:
        eval/loss.tsv: loss
      x_label: Step
      y_label: Training loss
  - Smooth:
      template: smooth
      x: step
      y:
        eval/loss.tsv: loss
  - Importance:
      template: bar_horizontal_sorted
      x: importance
      y:
        eval/importance.json: feature
  - eval/importance.png
"""


def write_all_templates(project: Path, shift: float) -> None:
    """Plot files for ALL_TEMPLATES_DVC_YAML; `shift` moves every value, so head differs from base."""
    (project / "eval" / "roc").mkdir(parents=True, exist_ok=True)
    for split, bonus in (("train", 0.1), ("test", 0.0)):
        roc = [{"fpr": i / 10, "tpr": min(1.0, (i / 10) ** 0.5 + bonus - shift)} for i in range(11)]
        (project / "eval" / "roc" / f"{split}.json").write_text(json.dumps({"roc": roc}))
    pairs = [(0, 0)] * 5 + [(0, 1)] * 2 + [(1, 1)] * 6 + [(1, 0)] * (1 + round(shift * 10))
    for name in ("cm.csv", "cm_norm.csv"):
        (project / "eval" / name).write_text("actual,predicted\n" + "".join(f"{a},{p}\n" for a, p in pairs))
    (project / "eval" / "resid.csv").write_text(
        "pred,resid\n" + "".join(f"{i},{((i * 7) % 5 - 2) + shift}\n" for i in range(40))
    )
    (project / "eval" / "loss.tsv").write_text(
        "step\tloss\n" + "".join(f"{i}\t{1 / (i + 1) + shift}\n" for i in range(8))
    )
    features = [{"feature": f"f{i}", "importance": round(0.1 * i + shift, 3)} for i in range(4)]
    (project / "eval" / "importance.json").write_text(json.dumps(features))
    (project / "eval" / "importance.png").write_bytes(png_bytes())


# --- (b) regression, lower-is-better metrics, a scatter plot, installed from pyproject.toml only.

REGRESSION_TRAIN = '''\
"""Fit y = a*x + b by least squares with an L2 penalty, on generated data; write metrics and residuals."""

import json
import math
import random

import yaml


def main():
    alpha = yaml.safe_load(open("params.yaml"))["fit"]["alpha"]
    rng = random.Random(7)
    xs = [float(line) for line in open("data/points.csv").read().split()[1:]]  # git-tracked input
    ys = [30.0 * x + 200 + rng.gauss(0, 60) for x in xs]
    n, mx, my = len(xs), sum(xs) / len(xs), sum(ys) / len(ys)
    a = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / (sum((x - mx) ** 2 for x in xs) + alpha * n)
    b = my - a * mx
    preds = [a * x + b for x in xs]
    residuals = [y - p for y, p in zip(ys, preds)]
    mae = sum(abs(r) for r in residuals) / n
    rmse = math.sqrt(sum(r * r for r in residuals) / n)
    r2 = 1 - sum(r * r for r in residuals) / sum((y - my) ** 2 for y in ys)
    json.dump({"mae": round(mae, 4), "rmse": round(rmse, 4), "r2": round(r2, 4)}, open("metrics.json", "w"))
    with open("residuals.csv", "w") as out:
        out.write("predicted,residual\\n" + "".join(f"{p:.4f},{r:.4f}\\n" for p, r in zip(preds, residuals)))


if __name__ == "__main__":
    main()
'''


def regression(dest: Path, alpha: float = 0.0) -> Path:
    """Stage-level git-tracked metrics (mae, rmse lower is better; r2 on another scale) and a
    scatter plot of residuals; a package installed from pyproject.toml, no requirements file."""
    (dest / "src" / "regress").mkdir(parents=True, exist_ok=True)
    (dest / "src" / "regress" / "__init__.py").write_text("")
    (dest / "src" / "regress" / "train.py").write_text(REGRESSION_TRAIN)
    (dest / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=69"]\nbuild-backend = "setuptools.build_meta"\n\n'
        '[project]\nname = "regress"\nversion = "0.1.0"\ndependencies = ["pyyaml>=6"]\n\n'
        '[tool.setuptools.packages.find]\nwhere = ["src"]\n'
    )
    (dest / "params.yaml").write_text(f"fit:\n  alpha: {alpha}\n")
    (dest / "data").mkdir(exist_ok=True)  # a folder named data/ that git tracks
    (dest / "data" / "points.csv").write_text("x\n" + "".join(f"{i / 10}\n" for i in range(80)))
    (dest / "dvc.yaml").write_text(
        "stages:\n  fit:\n    cmd: python -m regress.train\n    deps: [src/regress/train.py, data/points.csv]\n"
        "    params: [fit.alpha]\n    metrics:\n      - metrics.json:\n          cache: false\n"
        "    plots:\n      - residuals.csv:\n          cache: false\n          template: scatter\n"
        "          x: predicted\n          y: residual\n          title: Residuals\n"
    )
    (dest / ".kaizen").mkdir(exist_ok=True)
    (dest / ".kaizen" / "quality-gate.yml").write_text(
        "metrics:\n  mae: {direction: lower, max_relative_regression: 0.05}\n"
        "  rmse: {direction: lower, max: 100}\n  r2: {direction: higher, informational: true}\n"
    )
    return dest


def set_param(project: Path, pattern: str, value: str, file: str = "params.yaml") -> None:
    path = project / file
    path.write_text(re.sub(pattern, value, path.read_text()))


# --- (d) params in two files, one of them TOML; metrics in YAML.

TWO_PARAMS_TRAIN = """\
import tomllib

import yaml

lr = yaml.safe_load(open("params.yaml"))["train"]["lr"]
depth = tomllib.load(open("config/model.toml", "rb"))["model"]["depth"]
score = round(0.70 + 0.02 * depth - abs(lr - 0.1), 4)
open("metrics.yaml", "w").write(f"score: {score}\\nlayers: {depth}\\n")
open("history.csv", "w").write("epoch,loss\\n" + "".join(f"{e},{round(1 / (e + depth), 4)}\\n" for e in range(1, 9)))
"""


def two_params_files(dest: Path, depth: int = 4) -> Path:
    (dest / "src").mkdir(parents=True, exist_ok=True)
    (dest / "src" / "train.py").write_text(TWO_PARAMS_TRAIN)
    (dest / "requirements.txt").write_text("pyyaml\n")
    (dest / "config").mkdir(exist_ok=True)
    (dest / "config" / "model.toml").write_text(f"[model]\ndepth = {depth}\n")
    (dest / "params.yaml").write_text("train:\n  lr: 0.1\n")
    (dest / "dvc.yaml").write_text(
        "stages:\n  train:\n    cmd: python src/train.py\n    deps: [src/train.py]\n    params:\n"
        "      - train.lr\n      - config/model.toml:\n          - model.depth\n"
        "    metrics:\n      - metrics.yaml:\n          cache: false\n"
        "    plots:\n      - history.csv:\n          cache: false\n          x: epoch\n          y: loss\n"
    )
    (dest / ".kaizen").mkdir(exist_ok=True)
    (dest / ".kaizen" / "quality-gate.yml").write_text("metrics:\n  score: {direction: higher, max_regression: 0.01}\n")
    return dest


# --- (c) a monorepo: two DVC projects in subfolders of one git repository.


def monorepo(dest: Path) -> Path:
    """projects/churn (the regression project) and projects/vision (the two-params project),
    each its own DVC project (`dvc init --subdir`, done by the caller)."""
    regression(dest / "projects" / "churn")
    two_params_files(dest / "projects" / "vision")
    return dest


def git(repo: Path, *args: str) -> str:
    """git in a test's repository, with a fixed author; its output, stripped."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout.strip()
