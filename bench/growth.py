"""Growth from 1× to 3× district: summary time, board CPU and callback CPU, side by side.

    .venv/bin/python -m bench.gen --url sqlite:///bench/data/district.db              # once
    .venv/bin/python -m bench.gen --url sqlite:///bench/data/district3.db --scale 3   # once
    .venv/bin/python -m bench.growth

For each database, in alternated rounds (1×, 3×, 1×, 3×): the district monthly summary
(``bench.summary.run``, with its hand-written reference), the in-process CPU of an uncached
board (``bench.board_cpu.run``) and the in-process CPU of one signed, encrypted "践诺 1 浇水"
through the real callback (Flask test client; a temporary account bound to a member with a
published commitment, removed afterwards with everything the messages wrote). Prints the best
of the rounds and the 3× / 1× ratios; the last line is
``summary_3x/1x=<r> (CPU <r>) board_3x/1x=<r> callback_3x/1x=<r>`` (wall-clock summary
time; on SQLite this process's CPU is the steadier figure on a shared machine).
"""

from __future__ import annotations

import argparse
import itertools
import time
from typing import Any

from sqlalchemy import delete, func, insert, select

from app import create_app
from bench import board_cpu, summary
from bench.callback import AES_KEY, APP_ID, MESSAGE, TOKEN, _letters
from bench.loadgen import machine
from bench.serve import load_average
from infra.config import ROOT
from models import Account, CallbackNonce, ChatState, Commitment, FulfilmentLog, InboundMessage
from models.db import Database
from tests.wechat.wxcrypto import WxCrypto, signature, text_xml

OPENID = "o-bench-growth"


def callback_cpu(url: str, n: int) -> float:
    """Median CPU ms of one 践诺 message through the real callback, in this process."""
    db = Database(url, root=ROOT)
    with db.session() as s:
        member_id = s.scalar(
            select(Commitment.member_id)
            .where(Commitment.owner_kind == "member", Commitment.status == "published")
            .order_by(Commitment.id)
            .limit(1)
        )
        s.execute(delete(Account).where(Account.oa_openid == OPENID))
        s.execute(insert(Account).values(oa_openid=OPENID, member_id=member_id, subscribed=True))
        s.commit()
    app = create_app(
        {
            "database": {"url": url},
            "app": {"log_level": "WARNING", "secret_key": "bench-secret"},
            "wechat": {
                "api_base_url": "http://127.0.0.1:9",
                "official_account": {
                    "app_id": APP_ID,
                    "secret": "bench-oa-secret",
                    "token": TOKEN,
                    "encoding_aes_key": AES_KEY,
                },
            },
        }
    )
    client = app.test_client()
    crypto = WxCrypto(TOKEN, AES_KEY, APP_ID)
    ids = itertools.count(int(time.time()) * 1000)
    cpu: list[float] = []
    try:
        for i in range(n + 5):  # the first few warm up
            msg_id = next(ids)
            ts, nonce = str(int(time.time())), f"g{msg_id}"
            # a distinct text each time: the same log again would be asked about, not saved
            text = f"{MESSAGE}{_letters(msg_id)}"
            body, msg_sig = crypto.envelope(text_xml(OPENID, text, msg_id), ts, nonce)
            query = {
                "signature": signature(TOKEN, ts, nonce),
                "timestamp": ts,
                "nonce": nonce,
                "encrypt_type": "aes",
                "msg_signature": msg_sig,
            }
            started = time.process_time()
            resp = client.post("/wechat/callback", query_string=query, data=body)
            took = (time.process_time() - started) * 1000
            if resp.status_code != 200:
                raise SystemExit(f"callback: HTTP {resp.status_code}")
            if i >= 5:
                cpu.append(took)
    finally:
        app.extensions["db"].dispose()
        with db.session() as s:
            account_id = s.scalar(select(Account.id).where(Account.oa_openid == OPENID))
            written = s.scalar(
                select(func.count(FulfilmentLog.id)).where(FulfilmentLog.account_id == account_id)
            )
            s.execute(delete(FulfilmentLog).where(FulfilmentLog.account_id == account_id))
            s.execute(delete(InboundMessage).where(InboundMessage.openid == OPENID))
            s.execute(delete(CallbackNonce))
            s.execute(delete(ChatState).where(ChatState.account_id == account_id))
            s.execute(delete(Account).where(Account.id == account_id))
            s.commit()
        db.dispose()
    if written != n + 5:
        raise SystemExit(f"callback wrote {written} logs for {n + 5} messages")
    cpu.sort()
    return cpu[len(cpu) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description="从 1 倍到 3 倍区级规模的增长")
    parser.add_argument("--url", default="sqlite:///bench/data/district.db")
    parser.add_argument("--url3", default="sqlite:///bench/data/district3.db")
    parser.add_argument("--period", default="2026-10")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--n", type=int, default=100, help="boards and messages per round")
    args = parser.parse_args()
    load = load_average()
    best: dict[str, dict[str, Any]] = {"1x": {}, "3x": {}}

    def keep(scale: str, key: str, value: float) -> None:
        best[scale][key] = min(value, best[scale].get(key, value))

    for rnd in range(1, args.rounds + 1):
        for scale, url in (("1x", args.url), ("3x", args.url3)):
            summary.CPU.update({k: [] for k in summary.CPU})  # this round's only
            s = summary.run(url, args.period, repeat=1)
            b = board_cpu.run(url, args.n)
            c = callback_cpu(url, args.n)
            keep(scale, "summary_s", float(s["best_seconds"]))  # type: ignore[arg-type]
            keep(scale, "reference_s", float(s["reference_best_seconds"]))  # type: ignore[arg-type]
            keep(scale, "summary_cpu_s", float(s["cpu_best_seconds"]))  # type: ignore[arg-type]
            keep(scale, "reference_cpu_s", float(s["reference_cpu_best_seconds"]))  # type: ignore[arg-type]
            keep(scale, "board_cpu_ms", float(b["board_cpu_ms"]))
            keep(scale, "callback_cpu_ms", c)
            print(
                f"  round {rnd} {scale}: summary {s['best_seconds']} s, CPU "
                f"{s['cpu_best_seconds']} s (reference {s['reference_best_seconds']} s, CPU "
                f"{s['reference_cpu_best_seconds']} s), board CPU "
                f"{b['board_cpu_ms']:.2f} ms, callback CPU {c:.2f} ms",
                flush=True,
            )
    print(f"机器：{machine()}；负载 (load average)：{load} → {load_average()}")
    for scale in ("1x", "3x"):
        v = best[scale]
        print(
            f"  {scale}: summary {v['summary_s']:.2f} s, CPU {v['summary_cpu_s']:.2f} s "
            f"(reference {v['reference_s']:.2f} s, CPU {v['reference_cpu_s']:.2f} s), "
            f"board CPU {v['board_cpu_ms']:.2f} ms, callback CPU {v['callback_cpu_ms']:.2f} ms"
        )
    ratio = {k: best["3x"][k] / best["1x"][k] for k in best["1x"]}
    print(
        f"summary_3x/1x={ratio['summary_s']:.2f} (CPU {ratio['summary_cpu_s']:.2f}) "
        f"board_3x/1x={ratio['board_cpu_ms']:.2f} callback_3x/1x={ratio['callback_cpu_ms']:.2f}"
    )


if __name__ == "__main__":
    main()
