"""Stage `prepare`: split scikit-learn's bundled breast-cancer data set into train and test CSVs."""

import csv
from pathlib import Path

from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

from kaizen_example.params import load_params

OUT_DIR = Path("data/prepared")


def write_csv(path: Path, header: list[str], features, labels) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*header, "target"])
        for row, label in zip(features, labels, strict=True):
            writer.writerow([*(f"{value:.6g}" for value in row), int(label)])


def read_csv(path: Path) -> tuple[list[list[float]], list[int]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        rows = [[float(value) for value in record] for record in reader]
    return [row[:-1] for row in rows], [int(row[-1]) for row in rows]


def prepare(test_size: float, seed: int, out_dir: Path = OUT_DIR) -> tuple[int, int]:
    data = load_breast_cancer()
    x_train, x_test, y_train, y_test = train_test_split(
        data.data, data.target, test_size=test_size, random_state=seed, stratify=data.target
    )
    header = [name.replace(" ", "_") for name in data.feature_names]
    write_csv(out_dir / "train.csv", header, x_train, y_train)
    write_csv(out_dir / "test.csv", header, x_test, y_test)
    return len(y_train), len(y_test)


def main() -> None:
    params = load_params("prepare")
    n_train, n_test = prepare(float(params["test_size"]), int(params["seed"]))
    print(f"prepared {n_train} training and {n_test} test rows in {OUT_DIR}")


if __name__ == "__main__":
    main()
