"""Callback throughput and latency: the project's callback against a minimal reference doing
the same durable work and against a bare app, side by side in one run.

    .venv/bin/python -m bench.callback                 # gthread workers (-w 2 --threads 4)
    .venv/bin/python -m bench.callback --threads 0     # sync workers (-w 2)
    .venv/bin/python -m bench.callback --seconds 3     # a short run

Sets up a fresh SQLite database with the demo township (its bound members have published
commitments) and a copy of it for the reference, then runs three gunicorn servers with the
SAME settings:

- the project (``app:create_app()``): ``/wechat/callback`` in safe mode — signature check,
  decryption, parsing, inbound dedupe row, ``践诺 1 浇水`` → fulfilment log, progress, the
  encrypted reply;
- the reference (``bench.ref_app:create_app()``): the same durable work with stdlib sqlite3
  (lookups, then one short write transaction: log and inbound row with its reply);
- the bare app (``bench.bare_app:create_app()``): decrypt → parse → encrypted text reply.

Every request is a distinct message (unique MsgId) from one of the demo's bound members,
signed and encrypted like WeChat's servers do (``tests/wechat/wxcrypto.py``, an independent
implementation). Requests are built before each phase so that the load generator spends its
time sending. Phases: closed-loop throughput of each, alternating (bare, reference, project, bare, …), then
100 messages/s open loop on each. Afterwards the number of fulfilment logs written must equal
the number of successful requests, for the project and for the reference. The last line is
``project/reference=<ratio> project/bare=<ratio> p99_100=<ms>`` (best closed-loop throughputs;
the project's p99 at the open-loop rate).
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import shutil
import tempfile
import time
from pathlib import Path

import xmltodict
from sqlalchemy import func, select, text

from bench.loadgen import Req, Result, closed_loop, machine, open_loop, print_table
from bench.serve import Gunicorn, load_average, wait_port
from demo import township as demo
from infra import migrate
from infra.config import ROOT
from models import FulfilmentLog
from models.db import Database
from tests.wechat.wxcrypto import WxCrypto, signature, text_xml

TOKEN = "bench-token-0123"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APP_ID = "wxbench0123456789"
PATH = "/wechat/callback"
MESSAGE = "践诺 1 浇水"


def prepare(tmp: Path) -> tuple[str, list[str]]:
    """A migrated SQLite database with the demo township (and ``ref.db``, a copy of it for the
    reference); the bound members' openids."""
    url = f"sqlite:///{tmp / 'callback.db'}"
    migrate.upgrade(url)
    db = Database(url, root=ROOT)
    with db.session() as s:
        demo.load(s)
        s.commit()
    with db.session() as s:
        openids = list(
            s.execute(
                text(
                    "SELECT a.oa_openid FROM account a JOIN member m ON m.id = a.member_id "
                    "WHERE a.oa_openid IS NOT NULL AND EXISTS (SELECT 1 FROM commitment c "
                    "WHERE c.member_id = m.id AND c.owner_kind = 'member' "
                    "AND c.status = 'published') ORDER BY a.id"
                )
            ).scalars()
        )
    db.dispose()
    if not openids:
        raise SystemExit("demo township has no bound member with a published commitment")
    shutil.copyfile(tmp / "callback.db", tmp / "ref.db")
    return url, openids


def _letters(n: int) -> str:
    """``n`` written in letters (a number would be read as the log's quantity)."""
    out = ""
    while True:
        n, r = divmod(n, 26)
        out = chr(ord("a") + r) + out
        if n == 0:
            return out


class Messages:
    """Distinct, signed, encrypted text messages (unique MsgId each)."""

    def __init__(self, openids: list[str]) -> None:
        self.crypto = WxCrypto(TOKEN, AES_KEY, APP_ID)
        self.openids = openids
        self.ids = itertools.count(int(time.time()) * 1000)

    def one(self) -> Req:
        msg_id = next(self.ids)
        openid = self.openids[msg_id % len(self.openids)]
        ts, nonce = str(int(time.time())), f"n{msg_id}"
        text = f"{MESSAGE}{_letters(msg_id)}"  # distinct text: never the duplicate-log question
        body, msg_sig = self.crypto.envelope(text_xml(openid, text, msg_id), ts, nonce)
        sig = signature(TOKEN, ts, nonce)
        query = (
            f"?signature={sig}&timestamp={ts}&nonce={nonce}"
            f"&encrypt_type=aes&msg_signature={msg_sig}"
        )
        return ("POST", PATH + query, body, {"Content-Type": "text/xml"})

    def batch(self, n: int) -> list[Req]:
        return [self.one() for _ in range(n)]

    def reply_text(self, body: bytes) -> str:
        data = xmltodict.parse(body.decode())["xml"]
        assert data["MsgSignature"] == signature(
            TOKEN, data["TimeStamp"], data["Nonce"], data["Encrypt"]
        ), "bad reply signature"
        inner, appid = self.crypto.decrypt(data["Encrypt"])
        assert appid == APP_ID
        return str(xmltodict.parse(inner)["xml"]["Content"])


def check_reply(base: str, msgs: Messages, expect: str) -> str:
    method, path, body, headers = msgs.one()
    conn = http.client.HTTPConnection("127.0.0.1", int(base.rsplit(":", 1)[1]), timeout=10)
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    if resp.status != 200:
        raise SystemExit(f"{base}: HTTP {resp.status} {data[:200]!r}")
    content = msgs.reply_text(data)
    if expect not in content:
        raise SystemExit(f"{base}: unexpected reply {content!r}")
    return content


def run_closed(base: str, msgs: Messages, concurrency: int, seconds: float, cap: int) -> Result:
    pool = msgs.batch(cap)
    return closed_loop(base, lambda i: pool[i], concurrency, seconds, limit=cap)


def run_open(base: str, msgs: Messages, rate: float, seconds: float) -> Result:
    pool = msgs.batch(int(rate * seconds))
    return open_loop(base, lambda i: pool[i], rate, seconds, workers=32)


def fmt(r: Result) -> str:
    s = r.summary()
    return (
        f"{s['throughput_rps']} msg/s, n={s['requests']}, errors={s['errors']}, "
        f"p50 {s['p50_ms']} ms, p99 {s['p99_ms']} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="公众号回调吞吐与延迟（对比裸应用）")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="0 = sync workers")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0, help="each closed-loop phase")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument(
        "--open-seconds", type=float, default=None, help="each open-loop phase (2 × --seconds)"
    )
    args = parser.parse_args()
    if args.open_seconds is None:
        args.open_seconds = 2 * args.seconds

    gargs = ["-w", str(args.workers), "--log-level", "warning"]
    if args.threads:
        gargs += ["--threads", str(args.threads)]  # gthread workers
    else:
        gargs += ["-k", "sync"]
    tmp = Path(tempfile.mkdtemp(prefix="jiannuo-callback-"))
    url, openids = prepare(tmp)
    env = {
        "JIANNUO_DATABASE__URL": url,
        "JIANNUO_APP__SECRET_KEY": "bench-secret",
        "JIANNUO_APP__LOG_LEVEL": "WARNING",
        "JIANNUO_UPLOADS__DIR": str(tmp / "uploads"),
        "JIANNUO_WECHAT__API_BASE_URL": "http://127.0.0.1:9",
        "JIANNUO_WECHAT__OFFICIAL_ACCOUNT__APP_ID": APP_ID,
        "JIANNUO_WECHAT__OFFICIAL_ACCOUNT__SECRET": "bench-oa-secret",
        "JIANNUO_WECHAT__OFFICIAL_ACCOUNT__TOKEN": TOKEN,
        "JIANNUO_WECHAT__OFFICIAL_ACCOUNT__ENCODING_AES_KEY": AES_KEY,
        "BENCH_REF_DB": str(tmp / "ref.db"),
    }
    msgs = Messages(openids)
    cap = int(3000 * args.seconds)  # more than either server can take in a phase
    servers = {
        "bare": Gunicorn("bench.bare_app:create_app()", gargs, env, log=tmp / "bare.log"),
        "reference": Gunicorn("bench.ref_app:create_app()", gargs, env, log=tmp / "ref.log"),
        "project": Gunicorn("app:create_app()", gargs, env, log=tmp / "project.log"),
    }
    dbs = {"project": url, "reference": f"sqlite:///{tmp / 'ref.db'}"}
    rows: list[tuple[str, object]] = []
    load_before = load_average()
    with servers["bare"], servers["reference"], servers["project"]:
        for server in servers.values():
            wait_port(server.base)
        time.sleep(1.0)
        print(f"项目回复：{check_reply(servers['project'].base, msgs, '已记录践诺')!r}")
        print(f"参照回复：{check_reply(servers['reference'].base, msgs, '已记录践诺')!r}")
        check_reply(servers["bare"].base, msgs, "收到")
        # warm-up: every worker of every server, imports and connections
        for server in servers.values():
            run_closed(server.base, msgs, args.concurrency, min(2, args.seconds), 400)
        logs_before = {name: count_logs(u) for name, u in dbs.items()}
        ok = {"project": 0, "reference": 0}
        best = {name: 0.0 for name in servers}
        for rnd in range(1, args.rounds + 1):
            for name, server in servers.items():
                r = run_closed(server.base, msgs, args.concurrency, args.seconds, cap)
                best[name] = max(best[name], r.throughput)
                if name in ok:
                    ok[name] += r.statuses.get(200, 0)
                rows.append((f"closed loop {name} (round {rnd})", fmt(r)))
                print(f"  closed loop {name} round {rnd}: {fmt(r)}", flush=True)
        opened = {}
        for name, server in servers.items():
            r = run_open(server.base, msgs, args.rate, args.open_seconds)
            if name in ok:
                ok[name] += r.statuses.get(200, 0)
            opened[name] = r
            rows.append((f"open loop {args.rate:g}/s {name}", fmt(r)))
            print(f"  open loop {name}: {fmt(r)}", flush=True)
    written = {name: count_logs(u) - logs_before[name] for name, u in dbs.items()}
    vs_ref = best["project"] / best["reference"] if best["reference"] else 0.0
    vs_bare = best["project"] / best["bare"] if best["bare"] else 0.0
    p99 = opened["project"].pct(99)
    print(f"机器：{machine()}；负载 (load average)：{load_before} → {load_average()}")
    print(
        f"gunicorn {' '.join(gargs)}；并发 {args.concurrency}；闭环每段 {args.seconds:g} s；"
        f"开环 {args.rate:g}/s × {args.open_seconds:g} s"
    )
    print_table(
        [
            *rows,
            *((f"max throughput {name} (best)", f"{v:.1f} msg/s") for name, v in best.items()),
            ("ratio project / reference", f"{vs_ref:.0%} (target ≥ 50%)"),
            ("ratio project / bare", f"{vs_bare:.0%}"),
            (f"p99 at {args.rate:g}/s project", f"{p99:.1f} ms (target ≤ 20 ms)"),
            (f"p99 at {args.rate:g}/s reference", f"{opened['reference'].pct(99):.1f} ms"),
            *(
                (f"fulfilment logs written / {name} 200s", f"{written[name]} / {ok[name]}")
                for name in ok
            ),
        ]
    )
    for name in ok:
        if written[name] != ok[name]:
            raise SystemExit(f"fulfilment logs written ≠ successful {name} requests")
    print(f"project/reference={vs_ref:.2f} project/bare={vs_bare:.2f} p99_100={p99:.1f}")


def count_logs(url: str) -> int:
    db = Database(url, root=ROOT)
    with db.session() as s:
        n = s.scalar(select(func.count(FulfilmentLog.id))) or 0
    db.dispose()
    return n


if __name__ == "__main__":
    main()
