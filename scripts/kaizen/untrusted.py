"""Files Kaizen reads from a repository, an event payload or an artifact, parsed as untrusted
input: the one reading layer, as `kaizen.inputs` is for action inputs.

Every reader here either returns plain data (dicts, lists, strings, finite-or-not floats, ints
of at most MAX_DIGITS digits) within the budgets below, or raises one InputError naming the
file, the line when the parser gives one, and what to fix. A file is read only when it lies
inside its root (the workspace by default) once every link is resolved: a symlink or `..`
pointing elsewhere is refused, never followed.
"""

from __future__ import annotations

import configparser
import json
import math
import re
from pathlib import Path

from kaizen.gha import InputError, workspace

MAX_BYTES = 8 * 1024 * 1024  # a metrics, params, plots or pipeline file
MAX_EVENT_BYTES = 32 * 1024 * 1024  # GitHub's webhook payloads are capped at 25 MB
MAX_DEPTH = 64  # nested objects and lists
MAX_NODES = 200_000  # values in one document, aliases counted every time they are used
MAX_DIGITS = 100  # an integer longer than this is no metric, id or size


def _error(file: str, message: str, fix: str, *, title: str, line: int | None = None) -> InputError:
    """`file: message; fix`, where `message` may hold `{at}`: " at line N" when the line is known."""
    at = f" at line {line}" if line else ""
    text = message.replace("{at}", at) if "{at}" in message else message + at
    return InputError(f"{file}: {text}; {fix}", title=title, file=file, line=line)


def inside(path: Path, display: str, *, root: Path | None = None, title: str = "file") -> Path:
    """`path` with every link resolved, when that stays inside `root` (the workspace)."""
    base = (root or workspace()).resolve()
    resolved = Path(path).resolve()
    if not resolved.is_relative_to(base):
        raise InputError(
            f"{display}: leads outside the repository (a symlink or `..`); Kaizen reads only files inside it, "
            "so commit the file itself",
            title=title,
            file=display,
        )
    return resolved


def read_text(
    path: Path, display: str, *, title: str = "file", root: Path | None = None, limit: int = MAX_BYTES,
    confined: bool = True,
) -> str:  # fmt: skip
    """The UTF-8 text of a file from the repository (inside `root` unless not `confined`),
    at most `limit` bytes."""
    resolved = inside(path, display, root=root, title=title) if confined else Path(path)
    try:
        size = resolved.stat().st_size
        if size > limit:
            raise _error(display, f"is {size:,} bytes, more than Kaizen reads ({limit:,})",
                         "keep it smaller (write summaries, not raw data)", title=title)  # fmt: skip
        data = resolved.read_bytes()[: limit + 1]
    except OSError as exc:
        raise InputError(f"{display}: cannot be read ({exc.strerror or exc})", title=title, file=display) from None
    return decode(data, display, title=title)


def decode(data: bytes, display: str, *, title: str = "file") -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _error(display, f"not UTF-8 text (byte {exc.start}{{at}})", "save it as UTF-8",
                     title=title, line=line) from None  # fmt: skip


def check(data, display: str, *, title: str = "file"):
    """`data` when it is within the budgets: depth, value count (aliases counted at every use,
    so a YAML alias bomb stops here) and integer size."""
    nodes = 0
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise _error(display, f"holds more than {MAX_NODES:,} values (YAML aliases count at each use)",
                         "write fewer values, without aliases that multiply them", title=title)  # fmt: skip
        if isinstance(value, dict):
            children = [*value.keys(), *value.values()]
        elif isinstance(value, list):
            children = value
        else:
            if isinstance(value, int) and not isinstance(value, bool) and _too_long(value):
                raise _error(display, f"has an integer of more than {MAX_DIGITS} digits",
                             "write numbers a float can hold", title=title)  # fmt: skip
            continue
        if depth >= MAX_DEPTH and children:
            raise _error(display, f"is nested more than {MAX_DEPTH} levels deep", "flatten it", title=title)
        stack.extend((child, depth + 1) for child in children)
    return data


def _too_long(value: int) -> bool:
    return abs(value) >= 10**MAX_DIGITS


def _json_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise ValueError(f"an integer of more than {MAX_DIGITS} digits")
    return int(text)


def parse_json(text: str, display: str, *, title: str = "file"):
    """JSON as Python data. NaN and Infinity are kept (Python reads them) for the caller to refuse
    with its own words; everything else that is not JSON is an error naming the line."""
    try:
        data = json.loads(text, parse_int=_json_int)
    except json.JSONDecodeError as exc:
        raise _error(
            display, f"not valid JSON ({exc.msg}{{at}})", "fix the JSON", title=title, line=exc.lineno
        ) from None
    except ValueError as exc:  # _json_int
        raise _error(display, f"has {exc}", "write numbers a float can hold", title=title) from None
    except RecursionError:
        raise _error(display, f"is nested more than {MAX_DEPTH} levels deep", "flatten it", title=title) from None
    return check(data, display, title=title)


def _yaml_loader():
    """A safe YAML loader that refuses duplicate keys (PyYAML keeps the last one silently), or
    ruamel.yaml's safe loader (it refuses them itself) when the job has no PyYAML."""
    try:
        import yaml  # PyYAML
    except ImportError:
        return None

    class Loader(yaml.SafeLoader):
        pass

    def mapping(loader, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                key = loader.construct_object(key_node)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        "while reading a mapping", node.start_mark, f"duplicate key {key!r}", key_node.start_mark
                    )
                seen.add(key)
        return loader.construct_mapping(node, deep=deep)

    Loader.add_constructor("tag:yaml.org,2002:map", mapping)
    return Loader


_LOADER: object = False


def _load_yaml(text: str):
    global _LOADER
    if _LOADER is False:
        _LOADER = _yaml_loader()
    if _LOADER is not None:
        import yaml

        return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a SafeLoader subclass
    from ruamel.yaml import YAML

    return YAML(typ="safe", pure=True).load(text)


def parse_yaml(text: str, display: str, *, title: str = "file"):
    """YAML as Python data, within the budgets; duplicate keys are an error."""
    try:
        data = _load_yaml(text)
    except RecursionError:
        raise _error(display, f"is nested more than {MAX_DEPTH} levels deep", "flatten it", title=title) from None
    except ImportError:  # no YAML library at all: the caller says what that means, not "invalid YAML"
        raise
    except Exception as exc:  # each YAML parser raises its own error types
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None and getattr(mark, "line", None) is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise _error(display, f"not valid YAML ({problem}{{at}})", "fix the YAML", title=title, line=line) from None
    return check(data, display, title=title)


def parse_toml(text: str, display: str, *, title: str = "file"):
    try:
        import tomllib
    except ImportError:  # Python 3.10 and older: the tomli that DVC brings
        import tomli as tomllib
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        raise _error(display, f"not valid TOML ({str(exc).split(' (at line')[0]}{{at}})", "fix the TOML",
                     title=title, line=line) from None  # fmt: skip
    except RecursionError:
        raise _error(display, f"is nested more than {MAX_DEPTH} levels deep", "flatten it", title=title) from None
    return check(data, display, title=title)


def parse_by_suffix(text: str, display: str, suffix: str, *, title: str = "file"):
    """YAML, TOML or JSON by the file's suffix (`.yaml`/`.yml`, `.toml`, anything else JSON)."""
    suffix = suffix.lower()
    if suffix in (".yaml", ".yml"):
        return parse_yaml(text, display, title=title)
    if suffix == ".toml":
        return parse_toml(text, display, title=title)
    return parse_json(text, display, title=title)


def load_yaml(path: Path, display: str, *, title: str = "file", root: Path | None = None):
    return parse_yaml(read_text(path, display, title=title, root=root), display, title=title)


def load_json(path: Path, display: str, *, title: str = "file", root: Path | None = None, confined: bool = True):
    text = read_text(path, display, title=title, root=root, confined=confined)
    return parse_json(text, display, title=title)


def mapping(data, display: str, what: str, *, title: str = "file", line: int | None = None) -> dict:
    """`data` when it is a mapping (an empty document is an empty one); else an error saying
    what the file should hold."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        kind = type(data).__name__.replace("str", "text").replace("NoneType", "nothing")
        raise _error(display, f"holds a {kind}, not {what}", f"write {what}", title=title, line=line)
    return data


def event_payload() -> dict:
    """The workflow's event payload (GITHUB_EVENT_PATH), or {} outside a runner. Written by the
    runner, but from what a pull request's author chose (titles, branch names), so parsed as
    untrusted: a malformed payload is an error naming it."""
    import os

    event_path = os.environ.get("GITHUB_EVENT_PATH")
    if not event_path or not Path(event_path).is_file():
        return {}
    display = "the event payload (GITHUB_EVENT_PATH)"
    text = read_text(Path(event_path), display, title="event", limit=MAX_EVENT_BYTES, confined=False)
    return mapping(parse_json(text, display, title="event"), display, "a JSON object", title="event")


def event_object(payload: dict, *keys: str) -> dict:
    """payload[k1][k2]... when each is an object; {} when one is missing or of another type."""
    for key in keys:
        payload = payload.get(key) if isinstance(payload, dict) else None
    return payload if isinstance(payload, dict) else {}


def read_ini(paths: list[tuple[Path, str]], *, title: str = "file", root: Path | None = None):
    """An INI file (DVC's .dvc/config and config.local), read in order, each inside `root`."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    for path, display in paths:
        if not path.is_file():
            continue
        text = read_text(path, display, title=title, root=root)
        try:
            parser.read_string(text, source=display)
        except configparser.MissingSectionHeaderError as exc:
            raise _error(display, "has a line before any [section] header", "start it with a section such as [core]",
                         title=title, line=exc.lineno) from None  # fmt: skip
        except configparser.Error as exc:
            line = getattr(exc, "lineno", None)
            raise _error(display, f"not a valid config file ({exc.message.splitlines()[0]}{{at}})", "fix its syntax",
                         title=title, line=line) from None  # fmt: skip
    return parser


def load_xml(path: Path, display: str, *, title: str = "file", confined: bool = True):
    """An XML file a project's tools wrote (JUnit, coverage), as an ElementTree element. No DTD
    or entity declarations: nothing those tools write has them, and they are how XML expands."""
    import xml.etree.ElementTree as ET

    text = read_text(path, display, title=title, confined=confined)
    if re.search(r"<!(DOCTYPE|ENTITY)", text, re.IGNORECASE):
        raise _error(display, "declares a DTD or entities", "write plain XML", title=title)
    try:
        return ET.fromstring(text)
    except ET.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        message = str(exc).split(": line")[0]
        raise _error(
            display, f"not valid XML ({message}{{at}})", "fix what writes it", title=title, line=line
        ) from None


def number_attribute(element, name: str, display: str, *, title: str = "file", whole: bool = True):
    """A count or a time an XML element holds, 0 when absent; an error naming the file otherwise."""
    raw = element.get(name) or "0"
    try:
        value = int(raw) if whole else float(raw)
    except ValueError:
        value = None
    if value is None or not math.isfinite(value) or value < 0 or value > 10**12:
        raise _error(display, f"has {name}={raw[:40]!r}, not a {'count' if whole else 'number'}",
                     "fix what writes it", title=title)  # fmt: skip
    return value


def finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
