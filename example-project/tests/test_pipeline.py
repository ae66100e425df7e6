import json

import pytest

from kaizen_example import evaluate, prepare, train
from kaizen_example.params import load_params


@pytest.fixture()
def prepared(tmp_path):
    n_train, n_test = prepare.prepare(test_size=0.25, seed=0, out_dir=tmp_path)
    return tmp_path, n_train, n_test


def test_prepare_splits_all_rows(prepared):
    out_dir, n_train, n_test = prepared
    assert n_train + n_test == 569  # the breast-cancer data set's size
    features, labels = prepare.read_csv(out_dir / "train.csv")
    assert len(features) == n_train and len(features[0]) == 30
    assert set(labels) == {0, 1}


def test_trained_model_beats_majority_class(prepared):
    out_dir, _, _ = prepared
    model = train.train({"model": "logistic_regression", "C": 1.0}, out_dir / "train.csv")
    features, labels = prepare.read_csv(out_dir / "test.csv")
    metrics, roc, pairs = evaluate.evaluate(model, features, labels)
    majority = max(labels.count(0), labels.count(1)) / len(labels)
    assert metrics["accuracy"] > majority + 0.2
    assert 0.9 < metrics["roc_auc"] <= 1.0
    assert roc[0] == (0.0, 0.0) and roc[-1] == (1.0, 1.0)
    assert len(pairs) == len(labels)


def test_random_forest_is_supported(prepared):
    out_dir, _, _ = prepared
    model = train.train({"model": "random_forest", "n_estimators": 10}, out_dir / "train.csv")
    assert type(model[-1]).__name__ == "RandomForestClassifier"


def test_unknown_model_is_rejected():
    with pytest.raises(ValueError, match="train.model"):
        train.build_model({"model": "svm"})


def test_load_params_reads_a_section(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("train:\n  C: 0.5\n", encoding="utf-8")
    assert load_params("train", path) == {"C": 0.5}
    with pytest.raises(KeyError, match="prepare"):
        load_params("prepare", path)


def test_metrics_are_json_numbers(prepared):
    out_dir, _, _ = prepared
    model = train.train({"model": "logistic_regression"}, out_dir / "train.csv")
    metrics, _, _ = evaluate.evaluate(model, *prepare.read_csv(out_dir / "test.csv"))
    assert all(isinstance(value, float) for value in json.loads(json.dumps(metrics)).values())
