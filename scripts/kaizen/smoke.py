"""HTTP smoke checks shared by the image test (before a push) and the staging test (after a
deploy): wait for the health endpoint, make one prediction, measure latency."""

from __future__ import annotations

import json
import statistics
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field


class SmokeFailure(Exception):
    """The service answered wrongly or not at all."""


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


def call(url: str, body: bytes | None = None, timeout: float = 5.0) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")
    if body is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


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
            status, body = call(base_url + path, timeout=min(5.0, timeout))
            if status == 200:
                try:
                    return json.loads(body or b"{}")
                except ValueError:
                    return {}
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
        return json.loads(answer), elapsed
    except ValueError:
        raise SmokeFailure(f"POST {path} answered something that is not JSON") from None


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
