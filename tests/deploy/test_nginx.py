"""The shipped nginx site config (deploy/nginx/jiannuo.conf) in front of gunicorn, for real.

Debian's nginx runs the shipped file with only its listen, TLS, upstream-address and path lines
adapted (an HTTP listener on a free loopback port, files in a temp dir); every proxy and
real-address directive is used exactly as shipped. Clients connect from different loopback
addresses (127.0.0.x source binding), as different people on the internet would.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from infra import migrate
from infra.paths import ROOT

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed")

SHIPPED = ROOT / "deploy" / "nginx" / "jiannuo.conf"
CALLBACK_TOKEN = "deploy-test-token"
ANON_POST = ("POST", "/api/v1/requests", '{"kind": "wish", "text": "想要一个乒乓球台"}'.encode())
# The directives that decide which address the app sees: must run exactly as shipped.
KEPT = re.compile(r"^\s*(proxy_set_header|proxy_pass|proxy_http_version|set_real_ip_from|real_ip)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(port: int, deadline: float, proc: subprocess.Popen[bytes], log: Path) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"exited early:\n{log.read_text(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listening on {port}:\n{log.read_text(errors='replace')}")


def adapt(shipped: str, *, port: int, redirect_port: int, upstream: int, tmp: Path) -> str:
    """The shipped config with only listen/ssl/upstream/path lines changed, each exactly as
    often as expected (a changed shipped file makes this fail loudly, not silently pass)."""
    rules = [
        (r"^(\s*)listen 80;$", rf"\1listen 127.0.0.1:{redirect_port};", 1),
        (r"^(\s*)listen 443 ssl http2;$", rf"\1listen 127.0.0.1:{port};", 1),
        (r"^\s*listen \[::\]:\d+.*\n", "", 2),
        (r"^\s*ssl_[a-z_]+ .*\n", "", 6),
        (r"^(\s*)server 127\.0\.0\.1:8000;$", rf"\1server 127.0.0.1:{upstream};", 1),
        (r"^(\s*)alias /opt/jiannuo/static/;$", rf"\1alias {tmp}/static/;", 1),
        (r"^(\s*)(access_log|error_log) /var/log/nginx/", rf"\1\2 {tmp}/", 2),
    ]
    text = shipped
    for pattern, replacement, count in rules:
        text, n = re.subn(pattern, replacement, text, flags=re.M)
        assert n == count, f"{pattern!r} matched {n} times in {SHIPPED}, expected {count}"
    kept_shipped = [line for line in shipped.splitlines() if KEPT.match(line)]
    kept_adapted = [line for line in text.splitlines() if KEPT.match(line)]
    assert kept_adapted == kept_shipped and len(kept_shipped) >= 9
    return text


@dataclass
class Stack:
    port: int
    tmp: Path
    gunicorn_log: Path

    def request(
        self,
        source: str,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=10, source_address=(source, 0)
        )
        try:
            all_headers = {"Content-Type": "application/json", **(headers or {})}
            conn.request(method, path, body=body, headers=all_headers)
            resp = conn.getresponse()
            return resp.status, dict(resp.getheaders()), resp.read()
        finally:
            conn.close()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("deploy")
    db_url = f"sqlite:///{tmp / 'jiannuo.db'}"
    migrate.upgrade(db_url)
    gport, port, redirect_port = _free_port(), _free_port(), _free_port()
    config = {
        "app": {
            "secret_key": "deploy-test-secret",
            "trusted_proxies": 1,
            "base_url": f"http://127.0.0.1:{port}",
        },
        "database": {"url": db_url},
        "api": {"write_rate_limit": "3 per minute"},
        "uploads": {"dir": str(tmp / "uploads")},
        "wechat": {
            "api_base_url": "http://127.0.0.1:9",
            "official_account": {"app_id": "wx-oa", "secret": "oa-secret", "token": CALLBACK_TOKEN},
        },
    }
    (tmp / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIANNUO_")}
    env["JIANNUO_CONFIG"] = str(tmp / "config.yaml")
    gunicorn_log = tmp / "gunicorn.log"
    with gunicorn_log.open("wb") as out:
        gunicorn = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "--workers",
                "1",
                "--bind",
                f"127.0.0.1:{gport}",
                "app:create_app()",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    nginx: subprocess.Popen[bytes] | None = None
    try:
        _wait_for(gport, time.monotonic() + 30, gunicorn, gunicorn_log)
        shutil.copytree(ROOT / "static", tmp / "static")
        (tmp / "static" / "served-by-nginx.txt").write_text("nginx static\n")
        site = adapt(
            SHIPPED.read_text(encoding="utf-8"),
            port=port,
            redirect_port=redirect_port,
            upstream=gport,
            tmp=tmp,
        )
        (tmp / "site.conf").write_text(site, encoding="utf-8")
        temp_paths = "\n".join(
            f"    {kind}_temp_path {tmp}/{kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (tmp / "nginx.conf").write_text(
            ("user root;\n" if os.geteuid() == 0 else "")
            + f"worker_processes 1;\npid {tmp}/nginx.pid;\nerror_log {tmp}/error.log;\n"
            + "events { worker_connections 64; }\n"
            + f"http {{\n    include /etc/nginx/mime.types;\n{temp_paths}\n"
            + f"    include {tmp}/site.conf;\n}}\n"
        )
        nginx_log = tmp / "nginx.out"
        with nginx_log.open("wb") as out:
            nginx = subprocess.Popen(
                [
                    NGINX or "nginx",
                    "-p",
                    str(tmp),
                    "-e",
                    str(tmp / "error.log"),
                    "-c",
                    str(tmp / "nginx.conf"),
                    "-g",
                    "daemon off;",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        _wait_for(port, time.monotonic() + 15, nginx, nginx_log)
        yield Stack(port=port, tmp=tmp, gunicorn_log=gunicorn_log)
    finally:
        if nginx is not None:
            nginx.send_signal(signal.SIGQUIT)
            try:
                nginx.wait(10)
            except subprocess.TimeoutExpired:
                nginx.kill()
                nginx.wait()
        gunicorn.terminate()
        try:
            gunicorn.wait(15)
        except subprocess.TimeoutExpired:
            gunicorn.kill()
            gunicorn.wait()


def _anon(stack: Stack, source: str, **headers: str) -> tuple[int, dict[str, str]]:
    status, resp_headers, _ = stack.request(source, *ANON_POST, headers=headers)
    return status, resp_headers


def test_two_clients_get_separate_anonymous_limits(stack: Stack) -> None:
    first = [_anon(stack, "127.0.0.2")[0] for _ in range(3)]
    assert first == [401, 401, 401]
    status, headers = _anon(stack, "127.0.0.2")
    assert status == 429 and 0 < int(headers["Retry-After"]) <= 60
    # another address through the same nginx has its own budget
    assert _anon(stack, "127.0.0.3")[0] == 401


def test_a_client_cannot_spoof_its_address_with_its_own_headers(stack: Stack) -> None:
    # a fresh forged address on every request does not buy a fresh budget …
    statuses = [
        _anon(
            stack,
            "127.0.0.4",
            **{"X-Forwarded-For": f"198.51.100.{i}", "X-Real-IP": f"203.0.113.{i}"},
        )[0]
        for i in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
    # … and claiming somebody else's address does not spend theirs
    for _ in range(3):
        _anon(stack, "127.0.0.5")
    assert _anon(stack, "127.0.0.5")[0] == 429
    forged = {"X-Forwarded-For": "127.0.0.5", "X-Real-IP": "127.0.0.5"}
    assert _anon(stack, "127.0.0.6", **forged)[0] == 401


def test_the_wechat_callback_works_through_nginx(stack: Stack) -> None:
    timestamp, nonce, echostr = (
        str(int(time.time())),
        secrets.token_hex(8),
        "echo-" + secrets.token_hex(4),
    )
    signature = hashlib.sha1(
        "".join(sorted([CALLBACK_TOKEN, timestamp, nonce])).encode()
    ).hexdigest()
    query = f"signature={signature}&timestamp={timestamp}&nonce={nonce}&echostr={echostr}"
    status, _, body = stack.request("127.0.0.7", "GET", f"/wechat/callback?{query}")
    assert (status, body.decode()) == (200, echostr)
    bad = query.replace(signature, "0" * 40)
    assert stack.request("127.0.0.7", "GET", f"/wechat/callback?{bad}")[0] == 403


def test_static_files_hsts_body_limit_and_healthz(stack: Stack) -> None:
    status, headers, body = stack.request("127.0.0.8", "GET", "/static/served-by-nginx.txt")
    assert (status, body) == (200, b"nginx static\n")  # exists only where nginx serves from
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    status, headers, body = stack.request("127.0.0.8", "GET", "/healthz")
    assert status == 200 and json.loads(body)["status"] == "ok"
    assert "Strict-Transport-Security" in headers and "Server" in headers
    assert headers["Server"] == "nginx"  # server_tokens off: no version
    # a body over client_max_body_size is refused by nginx before it reaches the app
    with socket.create_connection(("127.0.0.1", stack.port), timeout=10) as s:
        s.sendall(
            b"POST /api/v1/uploads HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n"
            b"Content-Length: 7340032\r\nConnection: close\r\n\r\n"
        )
        assert s.recv(64).startswith(b"HTTP/1.1 413")
    assert "/api/v1/uploads" not in stack.gunicorn_log.read_text(errors="replace")
