"""Mini-program API reads at district scale: member card, branch board, my requests.

    .venv/bin/python -m bench.gen --url sqlite:///bench/data/district.db      # once
    .venv/bin/python -m bench.api_reads --url sqlite:///bench/data/district.db

Serves the project under gunicorn (default ``-w 2 --threads 4``) on the generated district
(1,300 branches, 33,000 members, 500,000 logs, 100,000 requests) and sends, open loop at
200 requests/s: ``GET /api/v1/members/<public_code>/card`` for random members,
``GET /api/v1/orgs/<branch id>/board`` for random branches and ``GET /api/v1/requests/mine``
with a bearer token (minted with ``services.auth.issue_token``) of random resident accounts.
Each endpoint alone, then the three mixed. Then the resident set size (VmRSS) of each web
worker. Read-only: the database is not changed.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from bench.loadgen import Req, Result, closed_loop, machine, open_loop, print_table
from bench.serve import Gunicorn, load_average, wait_port
from infra.config import ROOT
from models import (
    Account,
    Member,
    Organisation,
    Request,
)
from models.db import Database
from services.org.auth import issue_token

SECRET = "bench-secret"
SAMPLE = 3000


def targets(url: str, seed: int = 7) -> tuple[list[str], list[int], list[str]]:
    """Random public codes, branch ids and resident bearer tokens from the database."""
    rnd = random.Random(seed)
    db = Database(url, root=ROOT)
    with db.session() as s:
        codes = list(s.scalars(select(Member.public_code).where(Member.active.is_(True))))
        branches = list(s.scalars(select(Organisation.id).where(Organisation.kind == "branch")))
        submitters = set(s.scalars(select(Request.submitter_account_id).distinct()))
        accounts = [
            a
            for a in s.scalars(select(Account).where(Account.member_id.is_(None)))
            if a.id in submitters
        ]
        tokens = [
            issue_token(SECRET, a, 24).token
            for a in rnd.sample(accounts, min(SAMPLE, len(accounts)))
        ]
    db.dispose()
    return rnd.sample(codes, min(SAMPLE, len(codes))), rnd.sample(branches, len(branches)), tokens


def first_branches(url: str) -> list[int]:
    """One branch of each township."""
    db = Database(url, root=ROOT)
    first: dict[int, int] = {}
    with db.session() as s:
        for oid, parent in s.execute(
            select(Organisation.id, Organisation.parent_id).where(Organisation.kind == "branch")
        ):
            first.setdefault(parent, oid)
    db.dispose()
    return list(first.values())


def main() -> None:
    parser = argparse.ArgumentParser(description="小程序接口读取基准（全区规模）")
    parser.add_argument("--url", default="sqlite:///bench/data/district.db")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=15.0, help="each endpoint alone")
    parser.add_argument("--mixed-seconds", type=float, default=30.0)
    args = parser.parse_args()

    codes, branches, tokens = targets(args.url)
    first_boards = first_branches(args.url)
    if not (codes and branches and tokens):
        raise SystemExit("the database has no members/branches/resident requests: run bench.gen")
    tmp = Path(tempfile.mkdtemp(prefix="jiannuo-api-"))
    env = {
        "JIANNUO_DATABASE__URL": args.url,
        "JIANNUO_APP__SECRET_KEY": SECRET,
        "JIANNUO_APP__LOG_LEVEL": "WARNING",
        "JIANNUO_UPLOADS__DIR": str(tmp / "uploads"),
        "JIANNUO_WECHAT__API_BASE_URL": "http://127.0.0.1:9",
    }
    kinds: dict[str, Callable[[int], Req]] = {
        "member card": lambda i: ("GET", f"/api/v1/members/{codes[i % len(codes)]}/card", b"", {}),
        "branch board": lambda i: (
            "GET",
            f"/api/v1/orgs/{branches[i % len(branches)]}/board",
            b"",
            {},
        ),
        "my requests": lambda i: (
            "GET",
            "/api/v1/requests/mine",
            b"",
            {"Authorization": f"Bearer {tokens[i % len(tokens)]}"},
        ),
    }
    order = list(kinds.values())

    def mixed(i: int) -> Req:
        return order[i % 3](i // 3)

    gargs = ["-w", str(args.workers), "--threads", str(args.threads), "--log-level", "warning"]
    rows: list[tuple[str, object]] = []
    results: dict[str, Result] = {}
    with Gunicorn("app:create_app()", gargs, env, log=tmp / "gunicorn.log") as server:
        wait_port(server.base)
        # the townships' flags (one ranking per township, shared by its boards): computed by
        # the first board under each township, once with Redis, once per worker without
        for branch in first_boards:
            for _worker in range(args.workers if not os.environ.get("JIANNUO_REDIS__URL") else 1):
                closed_loop(
                    server.base,
                    lambda _i, b=branch: ("GET", f"/api/v1/orgs/{b}/board", b"", {}),
                    1,
                    60,
                    limit=1,
                )
        for name, fn in kinds.items():  # warm-up and a correctness check
            r = open_loop(server.base, lambda i, fn=fn: fn(i + 10_000), 50, 2)
            if r.errors:
                raise SystemExit(f"{name}: errors in warm-up {r.statuses} (see {tmp})")
        for name, fn in [*kinds.items(), ("mixed", mixed)]:
            seconds = args.mixed_seconds if name == "mixed" else args.seconds
            r = open_loop(server.base, fn, args.rate, seconds)
            results[name] = r
            s = r.summary()
            line = (
                f"{s['throughput_rps']} req/s, n={s['requests']}, errors={s['errors']}, "
                f"p50 {s['p50_ms']} ms, p99 {s['p99_ms']} ms"
            )
            rows.append((f"{name} @ {args.rate:g}/s", line))
            print(f"  {name}: {line}", flush=True)
        rss = [(pid, Gunicorn.rss_kib(pid)) for pid in server.worker_pids()]
    print(f"机器：{machine()}；负载 (load average)：{load_average()}")
    print(f"数据库：{Database(args.url).engine.dialect.name}；gunicorn {' '.join(gargs)}")
    for pid, kib in rss:
        rows.append((f"worker {pid} VmRSS", f"{kib / 1024:.0f} MiB"))
    worst = max(r.pct(99) for r in results.values())
    rows.append(("worst p99 (each alone or mixed)", f"{worst:.1f} ms"))
    rows.append(("mixed p99", f"{results['mixed'].pct(99):.1f} ms (target ≤ 50 ms)"))
    print_table(rows)
    print(f"mixed_p99={results['mixed'].pct(99):.1f}ms worst_p99={worst:.1f}ms")


if __name__ == "__main__":
    main()
