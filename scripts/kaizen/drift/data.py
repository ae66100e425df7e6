"""Reading the two sides of a drift check into columns of raw values (text, numbers or None).

The reference is a CSV file with a header: the training data at the commit the service runs.
The serving sample is a file or a folder of files, each either JSON lines as the serving contract
gives them (docs/drift.md):

    {"features": [17.9, 10.3, ...], "prediction": 0, ...}      # in the reference's column order
    {"features": {"mean_radius": 17.9, ...}, "prediction": 0}   # or by name

or a CSV with a header naming the reference's columns (and `prediction`). Rotated files
(`sample-x.jsonl.1`) are read too. Lines that are not such records are counted, not fatal.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from kaizen.gha import InputError

MISSING_TEXT = {"", "na", "nan", "null", "none", "n/a"}
PREDICTION = "prediction"
MAX_FILES = 10_000
MAX_LINE = 1_000_000  # characters: a record longer than this is malformed


@dataclass
class Table:
    columns: list[str]
    values: dict[str, list] = field(default_factory=dict)
    rows: int = 0
    malformed: int = 0  # lines that were not records
    extra_columns: set[str] = field(default_factory=set)  # named in the serving sample, not in the reference
    files: int = 0


def missing(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip().lower() in MISSING_TEXT)


def _bad(name: str, message: str) -> InputError:
    return InputError(f"{name}: {message}", title=name)


def read_reference(path: Path) -> Table:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if not header or not all(h.strip() for h in header):
                raise _bad("reference", f"{path.name} has no header row naming every column; give a CSV with one")
            if len(set(header)) != len(header):
                raise _bad("reference", f"{path.name} names a column twice; give each column one name")
            columns = [h.strip() for h in header]
            table = Table(columns, {c: [] for c in columns}, files=1)
            for record in reader:
                if len(record) != len(columns):
                    table.malformed += 1
                    continue
                for column, value in zip(columns, record):
                    table.values[column].append(value)
                table.rows += 1
    except UnicodeDecodeError:
        raise _bad("reference", f"{path.name} is not UTF-8 text; give the training data as a CSV file") from None
    if table.rows == 0:
        raise _bad("reference", f"{path.name} has no data rows; give the training data the model was trained on")
    return table


def _serving_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    files = sorted(p for p in path.rglob("*") if p.is_file() and (".jsonl" in p.name or p.suffix in (".csv", ".json")))
    return files[:MAX_FILES]


def _add(table: Table, record: dict) -> None:
    for column in table.columns:
        table.values[column].append(record.get(column))
    table.rows += 1


def _json_record(line: str, features: list[str], table: Table) -> dict | None:
    try:
        data = json.loads(line)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    given = data.get("features")
    if isinstance(given, list):
        if len(given) != len(features):
            return None
        record = dict(zip(features, given))
    elif isinstance(given, dict):
        record = {str(k): v for k, v in given.items()}
        table.extra_columns |= set(record) - set(features)
    else:
        return None
    if PREDICTION in data:
        record[PREDICTION] = data[PREDICTION]
    if not all(v is None or isinstance(v, (str, int, float)) for v in record.values()):
        return None
    return record


def read_serving(path: Path, features: list[str]) -> Table:
    """The serving sample at `path` (a file or a folder) as columns `features` + prediction."""
    files = _serving_files(path)
    if not files:
        raise _bad("serving", f"{path.name} holds no .jsonl or .csv files; collect the service's sample first")
    table = Table([*features, PREDICTION])
    table.values = {c: [] for c in table.columns}
    for file in files:
        table.files += 1
        try:
            with file.open(newline="", encoding="utf-8", errors="replace") as handle:
                if file.suffix == ".csv":
                    reader = csv.DictReader(handle)
                    if not reader.fieldnames:
                        continue
                    table.extra_columns |= set(reader.fieldnames) - set(table.columns)
                    for row in reader:
                        _add(table, row)
                    continue
                for line in handle:
                    if not line.strip():
                        continue
                    record = _json_record(line, features, table) if len(line) <= MAX_LINE else None
                    if record is None:
                        table.malformed += 1
                    else:
                        _add(table, record)
        except csv.Error:
            table.malformed += 1
    return table
