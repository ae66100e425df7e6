"""Action inputs, one parser per kind: every subcommand reads its inputs through these.

An action.yml hands input `foo-bar` to its subcommand as `KAIZEN_FOO_BAR` through `env:`. Each
parser here either returns a clean value or raises one InputError that names the input, says
what was wrong and what to give instead; `kaizen.main` prints it as one `::error::` line. A blank
value means the input's default everywhere, as it does in the action's YAML.
"""

from __future__ import annotations

import json
import math
import os
import re
import urllib.parse
from pathlib import Path

from kaizen.gha import InputError, repo_relative, runner_temp, workspace

# An OCI image name without tag or digest: optional registry host[:port], then lower-case path parts.
IMAGE = re.compile(r"^(?:[a-z0-9.-]+(?::\d+)?/)?[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?:/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*$")
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
# Report and environment names: they go into the sticky comment's hidden marker, artifact names
# and the deploy folder.
IDENTIFIER = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
REPOSITORY = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")
COMMIT_SHA = re.compile(r"^[0-9a-f]{40}$")
# What `git check-ref-format` forbids anywhere in a ref name: control characters, space, ~ ^ : ? * [ \\
# (https://git-scm.com/docs/git-check-ref-format); non-ASCII letters, `+` and `#` are allowed.
GIT_REF_FORBIDDEN = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")
VERSION = re.compile(r"^[0-9]+(\.[0-9]+)*((a|b|rc)[0-9]+)?(\.post[0-9]+)?(\.dev[0-9]+)?$")
EXTRA = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")
LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"  # one part of a host name
HOST = re.compile(rf"^(?:{LABEL}(?:\.{LABEL})*|\[?[0-9A-Fa-f:.]+\]?)$")
USER = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,31}$")
DNS_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?$")
ASCII_DIGITS = re.compile(r"^[0-9]+$")


def variable(name: str) -> str:
    return f"KAIZEN_{name.upper().replace('-', '_')}"


def bad(name: str, message: str, **where) -> InputError:
    """The one error for input `name`: its message starts with the input's name."""
    return InputError(f"{name}: {message}", title=name, **where)


def secret(name: str) -> str:
    """A secret as given (keys keep their trailing newline); the runner already masks it."""
    return os.environ.get(variable(name), "")


def text(name: str, default: str = "") -> str:
    """Free text, stripped; blank gives `default`."""
    return os.environ.get(variable(name), "").strip() or default


def required(name: str, what: str, default: str = "") -> str:
    value = text(name, default)
    if not value:
        raise bad(name, f"missing; {what}")
    return value


def boolean(name: str, default: bool) -> bool:
    raw = text(name)
    if not raw:
        return default
    if raw.lower() in ("true", "1", "yes"):
        return True
    if raw.lower() in ("false", "0", "no"):
        return False
    raise bad(name, f"expected true or false, got {raw!r}")


def integer(name: str, default: int, *, minimum: int = 1, maximum: int | None = None) -> int:
    """A whole number in [minimum, maximum], in ASCII digits (int() also takes '²' and '1_0')."""
    raw = text(name)
    if not raw:
        return default
    value = int(raw) if ASCII_DIGITS.match(raw) and len(raw) <= 12 else None
    if value is None or value < minimum or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise bad(name, f"{raw!r} is not a whole number of at least {minimum}{upper}")
    return value


def port(name: str, default: int) -> int:
    return integer(name, default, minimum=1, maximum=65535)


def ports(name: str, count: int, default: list[int]) -> list[int]:
    """`count` distinct port numbers separated by spaces or commas; blank gives `default`."""
    raw = text(name)
    if not raw:
        return default
    parts = raw.replace(",", " ").split()
    values = [int(p) for p in parts if ASCII_DIGITS.match(p) and len(p) <= 5 and 1 <= int(p) <= 65535]
    if len(parts) != count or len(values) != count or len(set(values)) != count:
        raise bad(name, f"{raw!r} is not {count} different port numbers, e.g. {' '.join(map(str, default))}")
    return values


def as_float(raw: str) -> float | None:
    """`raw` as a float, or None: ASCII only (float() also reads other scripts' digits)."""
    try:
        return float(raw) if raw.isascii() else None
    except ValueError:
        return None


def number(name: str, default: float, *, unit: str = "") -> float:
    """A finite number above 0 (a budget, a threshold); `unit` names it in the error."""
    raw = text(name)
    if not raw:
        return default
    value = as_float(raw)
    if value is None or not math.isfinite(value) or value <= 0:
        raise bad(name, f"{raw!r} is not a number above 0{' ' + unit if unit else ''}")
    return value


def percent(name: str, default: float) -> float:
    """A share in percent, 0 to 100."""
    raw = text(name)
    if not raw:
        return default
    value = as_float(raw)
    if value is None or not 0 <= value <= 100:
        raise bad(name, f"{raw!r} is not a percentage from 0 to 100")
    return value


def seconds(name: str, default: float) -> float:
    """A positive duration in seconds, written as a number: `120`, not `2 minutes`."""
    return number(name, default, unit="(seconds, e.g. 120)")


def choice(name: str, options: tuple[str, ...], default: str) -> str:
    raw = text(name, default)
    if raw.lower() not in options:
        raise bad(name, f"{raw!r} is not one of {', '.join(options)}")
    return raw.lower()


def url(name: str, what: str) -> str:
    """An http(s) URL with a host, without spaces; the trailing `/` is dropped."""
    value = required(name, what)
    try:
        parts = urllib.parse.urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        host = None
    if parts.scheme not in ("http", "https") or not host or re.search(r"\s", value) or not value.isascii():
        raise bad(name, f"{value!r} is not an http(s) URL (no spaces); {what}")
    return value.rstrip("/")


def json_list(name: str) -> list[str]:
    """A JSON list of strings, as a workflow writes `toJSON(...)`; blank means []."""
    raw = text(name)
    try:
        value = json.loads(raw) if raw else []
    except ValueError:
        value = None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise bad(name, f'expected a JSON list of names, e.g. ["train"], got {raw[:80]!r}')
    return value


def inside(name: str, value: str, base: Path | None = None, *, temp_ok: bool = False) -> Path:
    """`value` as a path under `base` (the workspace by default) that stays inside the workspace
    (or, with `temp_ok`, the runner's temporary folder, where workflows download artifacts): no
    absolute path elsewhere, no `..` climbing out, no symlink out."""
    root = workspace()
    path = ((base or root) / value).resolve()
    roots = [root, Path(runner_temp()).resolve()] if temp_ok else [root]
    if not any(path.is_relative_to(allowed) for allowed in roots):
        raise bad(name, f"{value!r} is outside the repository; give a path inside it")
    return path


def file(
    name: str, default: str = "", *, base: Path | None = None, what: str = "", temp_ok: bool = False
) -> Path | None:
    """A file inside the workspace that exists; None when the input and its default are blank."""
    value = text(name, default)
    if not value:
        return None
    path = inside(name, value, base, temp_ok=temp_ok)
    if not path.is_file():
        state = "is a folder, not a file" if path.is_dir() else "does not exist"
        raise bad(name, f"{repo_relative(path)!r} {state}{'; ' + what if what else ''}")
    return path


def folder(name: str, default: str = ".", *, base: Path | None = None, what: str = "", temp_ok: bool = False) -> Path:
    value = text(name, default)
    path = inside(name, value, base, temp_ok=temp_ok)
    if not path.is_dir():
        state = "is a file, not a folder" if path.exists() else "does not exist in the repository"
        raise bad(name, f"{repo_relative(path)!r} {state}{'; ' + what if what else ''}")
    return path


def json_file(name: str, default: str = "", *, base: Path | None = None) -> bytes | None:
    """A JSON file inside the workspace (a sample request), as bytes; None when blank."""
    path = file(name, default, base=base, what="give a JSON file, e.g. a sample request body")
    if path is None:
        return None
    data = path.read_bytes()
    try:
        json.loads(data.decode("utf-8"))
    except ValueError as exc:  # also UnicodeDecodeError
        raise bad(name, f"{text(name, default)!r} is not valid JSON ({exc})") from None
    return data


def url_path(name: str, default: str) -> str:
    """The path part of a URL (`/health`): starts with `/`, no spaces, no scheme or host."""
    value = text(name, default)
    if not value.startswith("/") or value.startswith("//") or re.search(r"[\s#]", value) or not value.isascii():
        raise bad(name, f"{value!r} is not a URL path; give one that starts with /, e.g. {default}")
    return value


def working_directory() -> tuple[str, Path]:
    """The working-directory input as given and as a folder: one that exists inside the repository."""
    given = text("working-directory", ".")
    return given, folder(
        "working-directory", what="set it to the folder that holds your project (its pyproject.toml or dvc.yaml)"
    )


def image(name: str, default: str = "") -> str:
    """An image name without tag or digest, lower-cased (GHCR names come from mixed-case repositories)."""
    given = required(name, "give the image name, e.g. ghcr.io/owner/name", default)
    value = given.lower()
    if "@" in value or ":" in value.rsplit("/", 1)[-1]:
        raise bad(name, f"{given!r} has a tag or digest; give the name only (tags come from git, digests separately)")
    if not IMAGE.match(value):
        raise bad(name, f"{given!r} is not an image name like ghcr.io/owner/name")
    return value


def image_reference(name: str, default: str) -> str:
    """An image to pull: a name with an optional :tag and @sha256 digest."""
    value = text(name, default)
    rest, _, digest_part = value.partition("@")
    head, _, last = rest.rpartition("/")
    tag_ok = True
    if ":" in last:
        last, _, tag = last.partition(":")
        tag_ok = bool(re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}", tag))
    if (
        not IMAGE.match(f"{head}/{last}" if head else last)
        or not tag_ok
        or (digest_part and not DIGEST.match(digest_part))
    ):
        raise bad(name, f"{value!r} is not an image reference like docker.io/library/nginx:1.27-alpine")
    return value


def digest(name: str, what: str) -> str:
    value = text(name)
    if not DIGEST.match(value):
        raise bad(name, f"{value!r} is not a sha256 digest; {what}")
    return value


def identifier(name: str, default: str, what: str) -> str:
    """A name that goes into markers, artifact names, folders and commands: letters, digits,
    `.`, `_` and `-`, at most 64."""
    value = text(name, default)
    if not IDENTIFIER.match(value):
        raise bad(name, f"{value!r} is not {what}; use letters, digits, '.', '_' and '-' (at most 64)")
    return value


def report_name(name: str, default: str = "train") -> str:
    return identifier(name, default, "a report name")


def valid_repository(repository: str) -> bool:
    """owner/name as GitHub spells them; never a path that climbs (`../x`)."""
    return bool(REPOSITORY.match(repository)) and repository.split("/")[1] not in (".", "..")


def repository(name: str) -> str:
    """owner/name; blank means this run's repository."""
    value = text(name, os.environ.get("GITHUB_REPOSITORY", ""))
    if not valid_repository(value):
        raise bad(name, f"{value!r} is not a repository's owner/name")
    return value


def commit_sha(name: str, what: str) -> str:
    """A full commit SHA, or blank."""
    value = text(name)
    if value and not COMMIT_SHA.match(value):
        raise bad(name, f"{value!r} is not a commit SHA; {what}")
    return value


def version(name: str) -> str:
    """A release's version (`0.8.4`, `24.10.0`, `1.0rc1`), or blank."""
    value = text(name)
    if value and not VERSION.match(value):
        raise bad(name, f"{value!r} is not a version number, e.g. 0.8.4")
    return value


def extras(name: str) -> str:
    """Extras of the project's package, comma-separated (`dev,test`), or blank."""
    value = text(name)
    if value and not all(EXTRA.match(part.strip()) for part in value.split(",")):
        raise bad(name, f"{value!r} is not a comma-separated list of extras, e.g. dev,test")
    return ",".join(part.strip() for part in value.split(",")) if value else ""


def host(name: str, what: str) -> str:
    """A host name or IP address; never an option (`-o...`) for ssh."""
    value = required(name, what)
    if not HOST.match(value):
        raise bad(name, f"{value!r} is not a host name or IP address; {what}")
    return value


def user_name(name: str, default: str) -> str:
    """A login name on a host (`deploy`)."""
    value = text(name, default)
    if not USER.match(value):
        raise bad(name, f"{value!r} is not a user name; use letters, digits, '_', '.' and '-', e.g. deploy")
    return value


def dns_name(name: str, default: str = "", *, what: str = "a name") -> str:
    """A Kubernetes object or compose project name: lower-case letters, digits and '-' (DNS-1123)."""
    value = text(name, default)
    if not value:
        raise bad(name, f"missing; give {what}")
    if not DNS_NAME.match(value):
        raise bad(name, f"{value!r} is not {what}: lower-case letters, digits, '-' (at most 63), e.g. model-api")
    return value


def valid_ref_name(value: str) -> bool:
    """A branch, tag or commit name by `git check-ref-format --allow-onelevel`'s rules, and never
    an option (`-x`)."""
    return (
        0 < len(value.encode("utf-8")) <= 255
        and not GIT_REF_FORBIDDEN.search(value)
        and not value.startswith(("-", "/"))
        and not value.endswith(("/", "."))
        and ".." not in value
        and "//" not in value
        and "@{" not in value
        and value != "@"
        and not any(part.startswith(".") or part.endswith(".lock") for part in value.split("/"))
    )


def git_ref(name: str) -> str:
    """A branch, tag or commit to fetch and compare with, or blank: a name `git check-ref-format`
    accepts (`release+1`, `développement`, `fix#12` are), never an option (`-x`)."""
    value = text(name)
    if value and not valid_ref_name(value):
        raise bad(name, f"{value[:100]!r} is not a branch, tag or commit; e.g. main or the base commit's SHA")
    return value


def pull_request(name: str, value: str | None = None) -> int:
    """A pull request's number."""
    raw = text(name) if value is None else value.strip()
    if not ASCII_DIGITS.match(raw) or len(raw) > 12 or int(raw) < 1:
        raise bad(name, f"{raw!r} is not a pull request number; run on pull_request events or pass the number")
    return int(raw)
