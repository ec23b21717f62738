"""In-process CPU of public reads (board, wall, card) at district scale, uncached.

    .venv/bin/python -m bench.board_cpu --url sqlite:///bench/data/district.db
    .venv/bin/python -m bench.board_cpu --url postgresql+psycopg://postgres@127.0.0.1:5432/jiannuo_bench

Builds the app in this process (Flask test client, no HTTP, no gunicorn) and asks for the
board of ``--n`` different branches, each once: no response comes from the public cache. The
township's flags (one ranking of its 100 branches, the same for every board under it) are a
shared public value (``handlers.api.cache.shared``); they are computed first, once per township,
and their cost is printed apart. Then the wall and the card, each of a branch / member not
asked before; last, the big screen of every township (all its members). CPU is this process's (``time.process_time``): on PostgreSQL the database's own
work is in its server processes and shows only in the wall time, printed next to it.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable

from sqlalchemy import event, select

from app import create_app
from bench.loadgen import machine
from bench.serve import load_average
from infra.config import ROOT
from models import Member, Organisation
from models.db import Database


def _ids(url: str, seed: int) -> tuple[list[int], list[int], list[str]]:
    db = Database(url, root=ROOT)
    with db.session() as s:
        branches = list(s.scalars(select(Organisation.id).where(Organisation.kind == "branch")))
        townships = list(s.scalars(select(Organisation.id).where(Organisation.kind == "township")))
        codes = list(s.scalars(select(Member.public_code).where(Member.active.is_(True))))
    db.dispose()
    rnd = random.Random(seed)
    rnd.shuffle(branches)
    rnd.shuffle(codes)
    return branches, townships, codes


def measure(get: Callable[[str], None], paths: list[str]) -> tuple[float, float]:
    """(CPU ms, wall ms) per request, the median of the requests."""
    cpu, wall = [], []
    for path in paths:
        c, w = time.process_time(), time.perf_counter()
        get(path)
        cpu.append((time.process_time() - c) * 1000)
        wall.append((time.perf_counter() - w) * 1000)
    cpu.sort()
    wall.sort()
    return cpu[len(cpu) // 2], wall[len(wall) // 2]


def run(url: str, n: int = 200, seed: int = 11) -> dict[str, float | int | str]:
    branches, townships, codes = _ids(url, seed)
    app = create_app(
        {
            "database": {"url": url},
            "app": {"log_level": "WARNING"},
            "api": {"public_cache_seconds": 3600},  # per process (no Redis): shared values
        }
    )
    client = app.test_client()
    statements = [0]

    @event.listens_for(app.extensions["db"].engine, "before_cursor_execute")
    def _count(*_a: object) -> None:
        statements[0] += 1

    def get(path: str) -> None:
        resp = client.get(path)
        if resp.status_code != 200:
            raise SystemExit(f"{path}: HTTP {resp.status_code} {resp.get_data()[:200]!r}")

    # the townships' flags: the first board under each township computes them
    by_township: dict[int, int] = {}
    db = Database(url, root=ROOT)
    with db.session() as s:
        for oid, parent in s.execute(
            select(Organisation.id, Organisation.parent_id).where(Organisation.kind == "branch")
        ):
            by_township.setdefault(parent, oid)
    db.dispose()
    first = [f"/api/v1/orgs/{b}/board" for b in by_township.values()]
    flags_cpu, flags_wall = measure(get, first)
    seen = set(by_township.values())
    todo = [b for b in branches if b not in seen]
    n = min(n, len(todo) // 2)
    statements[0] = 0
    board = measure(get, [f"/api/v1/orgs/{b}/board" for b in todo[:n]])
    board_statements = statements[0] / n
    wall = measure(get, [f"/api/v1/orgs/{b}/wall" for b in todo[n : 2 * n]])
    card = measure(get, [f"/api/v1/members/{c}/card" for c in codes[:n]])
    # the big screen of each township (every member of its ~100 branches), its ranking cached
    # by the boards above
    with db.session() as s:
        town_codes = list(
            s.scalars(select(Organisation.code).where(Organisation.kind == "township"))
        )
    db.dispose()
    screen = measure(get, [f"/o/{code}/screen.json" for code in town_codes])
    backend = app.extensions["db"].engine.dialect.name
    app.extensions["db"].dispose()
    return {
        "backend": backend,
        "townships": len(townships),
        "branches": len(branches),
        "n": n,
        "flags_cpu_ms": flags_cpu,
        "flags_wall_ms": flags_wall,
        "board_cpu_ms": board[0],
        "board_wall_ms": board[1],
        "board_statements": board_statements,
        "wall_cpu_ms": wall[0],
        "wall_wall_ms": wall[1],
        "card_cpu_ms": card[0],
        "card_wall_ms": card[1],
        "screen_cpu_ms": screen[0],
        "screen_wall_ms": screen[1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="公开读接口的进程内 CPU（不走缓存）")
    parser.add_argument("--url", default="sqlite:///bench/data/district.db")
    parser.add_argument("--n", type=int, default=200, help="boards (and walls, cards) asked")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    load = load_average()
    r = run(args.url, args.n, args.seed)
    print(f"机器：{machine()}；负载 (load average)：{load} → {load_average()}")
    print(
        f"数据库：{r['backend']}；{r['townships']} 个乡镇，{r['branches']} 个支部；"
        f"每项 {r['n']} 次，各不相同"
    )
    print(
        f"  township flags (first board of each township): "
        f"CPU {r['flags_cpu_ms']:.1f} ms, wall {r['flags_wall_ms']:.1f} ms (median)"
    )
    print(
        f"  board: CPU {r['board_cpu_ms']:.2f} ms, wall {r['board_wall_ms']:.2f} ms, "
        f"{r['board_statements']:.1f} SQL statements"
    )
    print(f"  wall:  CPU {r['wall_cpu_ms']:.2f} ms, wall {r['wall_wall_ms']:.2f} ms")
    print(f"  card:  CPU {r['card_cpu_ms']:.2f} ms, wall {r['card_wall_ms']:.2f} ms")
    print(
        f"  township screen (screen.json): CPU {r['screen_cpu_ms']:.1f} ms, "
        f"wall {r['screen_wall_ms']:.1f} ms"
    )
    print(f"board_cpu_ms={r['board_cpu_ms']:.2f} backend={r['backend']} (target ≤ 3 ms)")


if __name__ == "__main__":
    main()
