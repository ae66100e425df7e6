"""HTTP smoke checks shared by the image test (before a push) and the staging test (after a
deploy): wait for the health endpoint, make one prediction, measure latency."""

from __future__ import annotations

import json
import math
import statistics
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_BODY = 1024 * 1024  # an answer to a health check or one prediction


class SmokeFailure(Exception):
    """The service answered wrongly or not at all."""


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to the service's own scheme, host and port: a health check that
    another host answers says nothing about this service."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        old, new = urllib.parse.urlsplit(req.full_url), urllib.parse.urlsplit(newurl)
        if (old.scheme, old.netloc) != (new.scheme, new.netloc):
            raise SmokeFailure(f"{old.path or '/'} redirected to another host ({new.netloc or newurl[:80]})")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(_SameHostRedirects)


@dataclass
class SmokeResult:
    health: dict = field(default_factory=dict)
    prediction: dict | None = None
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def p95_ms(self) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else 0.0


def _read(response, deadline: float, what: str) -> bytes:
    """The whole body by `deadline` (a socket timeout bounds one read, not a body trickled a
    byte at a time), at most MAX_BODY bytes."""
    reader = response if hasattr(response, "read1") else getattr(response, "fp", response)  # HTTPError wraps it
    sock = getattr(getattr(getattr(reader, "fp", None), "raw", None), "_sock", None)
    chunks, size = [], 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise SmokeFailure(f"{what}: the answer did not arrive in time (a body still trickling in)")
        if sock is not None:
            sock.settimeout(left)
        try:
            chunk = reader.read1(65536) if hasattr(reader, "read1") else reader.read(65536)
        except TimeoutError:
            raise SmokeFailure(f"{what}: the answer did not arrive in time (a body still trickling in)") from None
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_BODY:
            raise SmokeFailure(f"{what}: the answer is larger than {MAX_BODY:,} bytes")


def call(url: str, body: bytes | None = None, timeout: float = 5.0) -> tuple[int, bytes]:
    """(status, body) of one request, all of it within `timeout` seconds."""
    request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")
    if body is not None:
        request.add_header("Content-Type", "application/json")
    deadline = time.monotonic() + timeout
    what = f"{request.get_method()} {urllib.parse.urlsplit(url).path or '/'}"
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return response.status, _read(response, deadline, what)
    except urllib.error.HTTPError as error:
        return error.code, _read(error, deadline, what)


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def finite_json(data: bytes):
    """JSON whose every number is finite: NaN, Infinity and 1e999 are no prediction."""
    value = json.loads(data, parse_constant=_reject_constant)
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            raise ValueError("a number out of range")
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return value


def wait_healthy(
    base_url: str, path: str, timeout: float, alive: Callable[[], bool] = lambda: True, interval: float = 0.5
) -> dict:
    """Poll GET base_url+path until it answers 200; fail when `alive()` turns false or time runs out."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if not alive():
            raise SmokeFailure(f"the service stopped before {path} answered ({last})")
        try:
            status, body = call(base_url + path, timeout=max(0.1, min(5.0, deadline - time.monotonic())))
            if status == 200:
                try:
                    health = json.loads(body or b"{}")
                except (ValueError, RecursionError):
                    return {}
                return health if isinstance(health, dict) else {}
            last = f"HTTP {status}"
        except OSError as exc:
            last = str(getattr(exc, "reason", exc))
        time.sleep(interval)
    raise SmokeFailure(f"{path} did not answer 200 within {timeout:.0f}s (last: {last})")


def predict(base_url: str, path: str, body: bytes) -> tuple[dict, float]:
    started = time.perf_counter()
    try:
        status, answer = call(base_url + path, body)
    except OSError as exc:
        raise SmokeFailure(f"POST {path} failed: {getattr(exc, 'reason', exc)}") from None
    elapsed = (time.perf_counter() - started) * 1000
    if status != 200:
        raise SmokeFailure(f"POST {path} answered HTTP {status}: {answer[:300].decode(errors='replace')}")
    try:
        return finite_json(answer), elapsed
    except RecursionError:
        raise SmokeFailure(f"POST {path} answered JSON nested too deep") from None
    except ValueError as error:
        raise SmokeFailure(f"POST {path} answered something that is not a prediction in JSON ({error})") from None


def smoke(
    base_url: str,
    *,
    health_path: str,
    predict_path: str,
    request: bytes | None,
    timeout: float,
    alive: Callable[[], bool] = lambda: True,
    latency_calls: int = 0,
) -> SmokeResult:
    result = SmokeResult(health=wait_healthy(base_url, health_path, timeout, alive))
    if request is not None:
        result.prediction, first = predict(base_url, predict_path, request)
        result.latencies_ms.append(first)
        for _ in range(max(0, latency_calls - 1)):
            result.latencies_ms.append(predict(base_url, predict_path, request)[1])
    return result
