"""`actions/dvc`: install a pinned DVC with the plugin its remote needs, turn analytics off, and
give the remote its URL and credentials in `.dvc/config.local`, never in the repository."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

from kaizen import dvc, gha, inputs, tool_env, untrusted
from kaizen.gha import InputError

PLUGINS = {"s3": "dvc-s3", "ssh": "dvc-ssh"}
SECTION = re.compile(r'^\s*remote\s+"(?P<name>[^"]+)"\s*$')


def read_config(project: Path) -> tuple[str | None, dict[str, str]]:
    """(default remote, remote name -> url) from .dvc/config and .dvc/config.local."""
    parser = untrusted.read_ini(
        [(project / ".dvc" / name, f".dvc/{name}") for name in ("config", "config.local")],
        title="dvc config",
        root=project,
    )
    urls = {}
    for section in parser.sections():
        match = SECTION.match(section.strip("'"))
        if match and parser.has_option(section, "url"):
            urls[match["name"]] = parser.get(section, "url").strip()
    default = parser.get("core", "remote", fallback=None)
    return (default.strip() if default else None), urls


def scheme(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else "local"


def lock_name(schemes: set[str]) -> str:
    """The lock of DVC with the plugins of these remote schemes (locks/dvc[-s3][-ssh].txt)."""
    return "-".join(["dvc", *sorted(s for s in schemes if s in PLUGINS)])


# DVC remote options whose values are settings, not secrets (a port, a region, a switch).
NOT_SECRET_OPTIONS = {
    "port", "region", "endpointurl", "url", "user", "allow_agent", "ask_password", "ask_passphrase",
    "timeout", "connect_timeout", "read_timeout", "use_ssl", "ssl_verify", "listobjects", "jobs",
    "version_aware", "acl", "profile", "gss_auth", "worktree",
}  # fmt: skip
PLAIN_SETTING = re.compile(r"(?i)true|false|yes|no|on|off|\d{1,6}")


def mask_remote_config(raw: str) -> None:
    """Mask every secret value of the remote's settings before anything reads them: what follows
    the first `=`; on a line without one (a pasted secret, or `secret_access_key: ...` written
    YAML-style) the whole line and what follows its first `:`. Settings that are no secret (a
    port, a region, `true`) are not masked: GitHub masks every occurrence of a masked text and
    drops any job output containing one ("Outputs containing secrets are redacted on the runner
    and not sent to GitHub Actions",
    https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/passing-information-between-jobs),
    so masking `22` or `true` would empty the digest, gate-passed and metrics outputs."""
    for line in raw.splitlines():
        stripped = line.strip()
        if "=" in stripped:
            key, value = (part.strip() for part in stripped.split("=", 1))
            if key.lower() in NOT_SECRET_OPTIONS or PLAIN_SETTING.fullmatch(value):
                continue
            secrets = [value]
        else:
            secrets = [stripped, stripped.split(":", 1)[1].strip().strip("\"'") if ":" in stripped else ""]
        for secret in dict.fromkeys(s for s in secrets if s):
            print(f"::add-mask::{secret}", flush=True)


def parse_remote_config(raw: str) -> list[tuple[str, str]]:
    pairs = []
    for number, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        if "=" not in line:
            raise InputError(
                f"remote-config: line {number} is not key=value (e.g. access_key_id=..., with `=`, not `:`); "
                "its text is masked",
                title="remote-config",
            )
        key, value = line.split("=", 1)
        if not re.fullmatch(r"[a-z_]+", key.strip()):
            raise InputError(
                f"remote-config: line {number}: {key.strip()!r} is not a DVC remote option", title="remote-config"
            )
        pairs.append((key.strip(), value.strip()))
    return pairs


def run() -> int:
    working_directory, project = inputs.working_directory()
    raw = inputs.secret("remote-config")
    mask_remote_config(raw)  # before parsing: even a malformed line's secret never reaches the log
    settings = parse_remote_config(raw)
    given_remote = inputs.text("remote")
    if given_remote and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", given_remote):
        raise inputs.bad("remote", f"{given_remote!r} is not a DVC remote's name")
    given_url = inputs.text("remote-url")
    if given_url and (re.search(r"\s", given_url) or given_url.startswith("-")):
        raise inputs.bad("remote-url", f"{given_url!r} is not a remote URL (no spaces), e.g. s3://bucket/path")
    targets = inputs.text("pull").split()
    for target in targets:
        if target.startswith("-"):
            raise inputs.bad("pull", f"{target!r} is not an output of the pipeline; list paths or stage names")
    dvc.require_pipeline(project)
    if not (project / ".dvc").is_dir():
        raise InputError(
            f"working-directory: {working_directory!r} is not a DVC project (no .dvc/); run dvc init",
            title="working-directory",
        )
    default, urls = read_config(project)
    remote = given_remote or default or (next(iter(urls)) if len(urls) == 1 else "")
    url = given_url or urls.get(remote, "")
    if (settings or given_url) and not remote:
        raise InputError(
            "remote: the project has no DVC remote to configure; name one with the remote input", title="remote"
        )
    install = tool_env.install_locked(lock_name({scheme(url)} if url else set()))
    print(f"$ {shlex.join(install)}", flush=True)
    if subprocess.run(install, env=gha.child_env(), check=False).returncode != 0:
        raise InputError("installing DVC failed; see the log above", title="dvc")
    site_cache = Path(gha.runner_temp()) / "dvc-site-cache"
    gha.set_env("DVC_NO_ANALYTICS", "1")
    gha.set_env("DVC_SITE_CACHE_DIR", str(site_cache))
    if remote and given_url:
        if remote not in urls:
            dvc.dvc(project, "remote", "add", "--local", remote, url, in_process=True)
        else:
            dvc.dvc(project, "remote", "modify", "--local", remote, "url", url, in_process=True)
        dvc.dvc(project, "remote", "default", "--local", remote, in_process=True)
    for key, value in settings:
        dvc.dvc(project, "remote", "modify", "--local", remote, key, value, echo=False, in_process=True)
    print(
        f"DVC ready: remote {remote or '(none)'} ({scheme(url) if url else 'no url'}), "
        f"{len(settings)} remote setting(s) in .dvc/config.local",
        flush=True,
    )
    if targets:
        dvc.pull_outputs(project, targets)
    gha.set_output("remote", remote)
    gha.set_output("cache-dir", str((project / ".dvc" / "cache").resolve()))
    gha.set_output("site-cache-dir", str(site_cache))
    return 0
