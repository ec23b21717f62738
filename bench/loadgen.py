"""A small HTTP load generator for loopback benchmarks.

Two modes, both bounded in count and time:
- ``open_loop``: send at a fixed rate (e.g. 100 requests/s) and record each latency, so a slow
  server shows as latency rather than as a lower send rate (no coordinated omission: the
  latency is measured from each request's scheduled time);
- ``closed_loop``: N workers send back-to-back for a fixed time: the throughput ceiling.

Only 127.0.0.1 targets are accepted.
"""

from __future__ import annotations

import http.client
import platform
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# A request: method, path with query, body, headers.
Req = tuple[str, str, bytes, dict[str, str]]


@dataclass
class Result:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def count(self) -> int:
        return len(self.latencies_ms)

    def pct(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        data = sorted(self.latencies_ms)
        return data[min(len(data) - 1, round(p / 100 * (len(data) - 1)))]

    @property
    def throughput(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def summary(self) -> dict[str, float]:
        return {
            "requests": self.count,
            "errors": self.errors,
            "throughput_rps": round(self.throughput, 1),
            "p50_ms": round(self.pct(50), 2),
            "p99_ms": round(self.pct(99), 2),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 2) if self.latencies_ms else 0,
        }


def _conn(base: str) -> http.client.HTTPConnection:
    parts = urlsplit(base)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("load tests may only target loopback")
    return http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=10)


def _send(conn: http.client.HTTPConnection, req: Req) -> int:
    method, path, body, headers = req
    conn.request(method, path, body=body or None, headers=headers)
    resp = conn.getresponse()
    resp.read()
    return resp.status


def _record(result: Result, lock: threading.Lock, status: int | None, latency: float) -> None:
    with lock:
        if status is None:
            result.errors += 1
            return
        result.latencies_ms.append(latency)
        result.statuses[status] = result.statuses.get(status, 0) + 1
        if status >= 400:
            result.errors += 1


def open_loop(
    base: str, requests: Callable[[int], Req], rate: float, seconds: float, workers: int = 32
) -> Result:
    """Send ``rate`` requests per second for ``seconds``; request i is ``requests(i)``."""
    total = int(rate * seconds)
    result, lock = Result(), threading.Lock()
    start = time.perf_counter() + 0.2
    next_index = [0]

    def worker() -> None:
        conn = _conn(base)
        while True:
            with lock:
                i = next_index[0]
                next_index[0] += 1
            if i >= total:
                break
            scheduled = start + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            try:
                status: int | None = _send(conn, requests(i))
            except (OSError, http.client.HTTPException):
                status = None
                conn.close()
                conn = _conn(base)
            _record(result, lock, status, (time.perf_counter() - scheduled) * 1000)
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 60)
    result.seconds = time.perf_counter() - start
    return result


def closed_loop(
    base: str,
    requests: Callable[[int], Req],
    concurrency: int,
    seconds: float,
    limit: int = 200_000,
) -> Result:
    result, lock = Result(), threading.Lock()
    deadline = time.perf_counter() + seconds
    counter = [0]

    def worker() -> None:
        conn = _conn(base)
        while time.perf_counter() < deadline:
            with lock:
                i = counter[0]
                counter[0] += 1
            if i >= limit:
                break
            t0 = time.perf_counter()
            try:
                status: int | None = _send(conn, requests(i))
            except (OSError, http.client.HTTPException):
                status = None
                conn.close()
                conn = _conn(base)
            _record(result, lock, status, (time.perf_counter() - t0) * 1000)
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 60)
    result.seconds = time.perf_counter() - started
    return result


def machine() -> str:
    import os

    mem = ""
    try:
        with open("/proc/meminfo") as fh:
            kb = int(fh.readline().split()[1])
            mem = f", {kb / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    return f"{platform.machine()} {os.cpu_count()} cores{mem}, Python {platform.python_version()}"


def wait_ready(base: str, path: str = "/", timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            conn = _conn(base)
            conn.request("GET", path)
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server at {base} did not start")


def print_table(rows: Sequence[tuple[str, object]]) -> None:
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"  {k:<{width}}  {v}")
