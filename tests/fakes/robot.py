"""A fake WeCom group-robot webhook: a real HTTP server on 127.0.0.1 with a random port.

It behaves like ``POST /cgi-bin/webhook/send?key=KEY``: unknown keys answer errcode 93000,
markdown over 4096 bytes answers 40058, and each key may post at most ``limit`` messages in
any ``window`` seconds (errcode 45009 beyond that). Time comes from an injectable ``clock``
(shared with the dispatcher under test, so 60-second windows are simulated, never slept).
``random_errors`` makes it answer 45009 or HTTP 500 at random (seeded) before accepting.

Every accepted message is kept in ``accepted[key]`` as (time, content) in arrival order;
every refusal is counted in ``refusals``; ``over_limit`` counts refusals because the window
was full (a correct dispatcher never causes one).
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


class SimClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += timedelta(seconds=seconds)


@dataclass
class FakeRobot:
    clock: Callable[[], datetime]
    keys: set[str] = field(default_factory=set)
    limit: int = 20
    window: float = 60.0
    random_errors: float = 0.0  # probability of a random 45009 or 500 per request
    seed: int = 7
    base_url: str = ""
    accepted: dict[str, list[tuple[datetime, str]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    refusals: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    over_limit: int = 0
    requests: int = 0

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()
        self._server: Any = None
        self._thread: threading.Thread | None = None

    # -- HTTP -----------------------------------------------------------------------------

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        req = Request(environ)
        with self._lock:
            resp = self._handle(req)
        return resp(environ, start_response)

    def _answer(self, errcode: int, errmsg: str, status: int = 200) -> Response:
        if status != 200:
            return Response("server error", status=status)
        body = json.dumps({"errcode": errcode, "errmsg": errmsg})
        return Response(body, status=200, content_type="application/json")

    def _handle(self, req: Request) -> Response:
        self.requests += 1
        if req.method != "POST" or req.path != "/cgi-bin/webhook/send":
            return Response("not found", status=404)
        key = req.args.get("key", "")
        if key not in self.keys:
            self.refusals["93000"] += 1
            return self._answer(93000, "invalid webhook url")
        try:
            body = json.loads(req.get_data())
            if body["msgtype"] == "image":  # base64 of a PNG/JPEG ≤ 2 MB and its md5
                content = self._image(body["image"])
            else:
                content = (
                    body["markdown"]["content"]
                    if body["msgtype"] == "markdown"
                    else body["text"]["content"]
                )
        except (ValueError, KeyError, TypeError):
            self.refusals["40008"] += 1
            return self._answer(40008, "invalid message type")
        if len(content.encode()) > 4096:
            self.refusals["40058"] += 1
            return self._answer(40058, "markdown.content exceed max length 4096")
        if self.random_errors and self._rng.random() < self.random_errors:
            if self._rng.random() < 0.5:
                self.refusals["45009-random"] += 1
                return self._answer(45009, "api freq out of limit")
            self.refusals["500"] += 1
            return self._answer(0, "", status=500)
        now = self.clock()
        recent = [t for t, _ in self.accepted[key] if t > now - timedelta(seconds=self.window)]
        if len(recent) >= self.limit:
            self.over_limit += 1
            self.refusals["45009-limit"] += 1
            return self._answer(45009, "api freq out of limit")
        self.accepted[key].append((now, content))
        return self._answer(0, "ok")

    @staticmethod
    def _image(image: dict[str, str]) -> str:
        """An image message as the text ``image:<md5>`` (ValueError if WeCom would refuse it)."""
        data = base64.b64decode(image["base64"], validate=True)
        if len(data) > 2 << 20 or not data.startswith((b"\x89PNG", b"\xff\xd8\xff")):
            raise ValueError("not a PNG/JPEG of at most 2 MB")
        if hashlib.md5(data).hexdigest() != image["md5"]:
            raise ValueError("md5 mismatch")
        return f"image:{image['md5']}"

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> FakeRobot:
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        # A short poll interval: stop() waits for the serving loop to notice (0.5 s by default).
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def max_in_any_window(self, key: str) -> int:
        """The most messages accepted for ``key`` within any ``window`` seconds."""
        times = [t for t, _ in self.accepted[key]]
        best = 0
        for i, start in enumerate(times):
            end = start + timedelta(seconds=self.window)
            best = max(best, sum(1 for t in times[i:] if t < end))
        return best
