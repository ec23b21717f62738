"""Deterministic district generator for benchmarks.

    .venv/bin/python -m bench.gen --url sqlite:///bench/data/district.db
    .venv/bin/python -m bench.gen --url postgresql+psycopg://postgres@127.0.0.1:5432/jiannuo_bench

Builds (by default) a district of 1,300 branches, 33,000 members, 60,000 commitments,
500,000 fulfilment logs and 100,000 requests with bulk inserts through the project's models'
tables, after migrating the database to head. ``--scale 0.01`` makes a small one for tests.
The same seed always gives the same district.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, text

from infra import migrate
from infra.config import ROOT
from models import (
    Account,
    Commitment,
    FulfilmentLog,
    Household,
    Member,
    MemberHousehold,
    Organisation,
    Request,
    RoleGrant,
)
from models.db import make_engine

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "建国秀英国强桂兰志明丽华春梅海涛玉兰德福淑珍文军红霞永刚晓燕金凤长林小平"
TITLES = [
    ("每月给村东生产路树木浇水一次", "periodic", "monthly", 1, "次"),
    ("每年对村内花草树木修剪两次", "periodic", "yearly", 2, "次"),
    ("每周走访联系户一次", "periodic", "weekly", 1, "次"),
    ("全年为邻居免费维修水电20次", "count", None, 20, "次"),
    ("全年走访宣讲政策100户", "count", None, 100, "户"),
    ("每季度组织一次环境整治", "periodic", "quarterly", 1, "次"),
    ("10月底前完成改厕340户", "deadline", None, 340, "户"),
    ("6月底前新打机井13眼并通电", "deadline", None, 13, "眼"),
]
YEAR_START, YEAR_END = date(2026, 1, 1), date(2026, 12, 31)
LAST_DAY = date(2026, 10, 31)
BATCH = 5_000


def progress(label: str, done: int, total: int, started: float) -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    rate = done / max(time.perf_counter() - started, 1e-6)
    sys.stderr.write(
        f"\r{label:<12} [{'#' * filled}{'.' * (width - filled)}] "
        f"{done:>8,}/{total:,} {rate:>9,.0f}/s"
    )
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def batched(rows: Iterator[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def bulk(
    engine: Engine, table: Any, label: str, total: int, rows: Iterator[dict[str, Any]]
) -> None:
    started = time.perf_counter()
    done = 0
    with engine.begin() as conn:
        for chunk in batched(rows):
            conn.execute(insert(table), chunk)
            done += len(chunk)
            progress(label, done, total, started)
    if total == 0:
        progress(label, 0, 0, started)


def generate(url: str, scale: float = 1.0, seed: int = 2026) -> dict[str, int]:
    rnd = random.Random(seed)
    n_branches = max(3, int(1300 * scale))
    n_members = max(30, int(33_000 * scale))
    n_commitments = max(40, int(60_000 * scale))
    n_logs = max(200, int(500_000 * scale))
    n_requests = max(50, int(100_000 * scale))
    n_townships = max(1, n_branches // 100)
    migrate.upgrade(url)
    engine = make_engine(url, root=ROOT)
    now = datetime(2026, 11, 1, 1, 0, tzinfo=UTC)
    with engine.begin() as conn:
        if conn.execute(text("SELECT COUNT(*) FROM organisation")).scalar():
            raise SystemExit("数据库不是空的：请换一个新的数据库再生成")

    # Organisations: district → townships → branches → 3 groups each.
    orgs: list[dict[str, Any]] = [
        dict(
            id=1,
            parent_id=None,
            kind="district",
            name="望城区",
            code="district",
            path="/1/",
            sort_order=0,
            created_at=now,
        )
    ]
    next_id = 2
    branch_ids: list[int] = []
    groups_of: dict[int, list[int]] = {}
    township_of: dict[int, int] = {}
    townships = []
    for t in range(n_townships):
        tid = next_id
        next_id += 1
        townships.append(tid)
        orgs.append(
            dict(
                id=tid,
                parent_id=1,
                kind="township",
                name=f"第{t + 1}街道",
                code=f"township-{t + 1}",
                path=f"/1/{tid}/",
                sort_order=t,
                created_at=now,
            )
        )
    for b in range(n_branches):
        tid = townships[b % n_townships]
        bid = next_id
        next_id += 1
        branch_ids.append(bid)
        township_of[bid] = tid
        orgs.append(
            dict(
                id=bid,
                parent_id=tid,
                kind="branch",
                name=f"第{b + 1}村党支部",
                code=f"branch-{b + 1}",
                path=f"/1/{tid}/{bid}/",
                sort_order=b,
                created_at=now,
            )
        )
        groups_of[bid] = []
        for g in range(3):
            gid = next_id
            next_id += 1
            groups_of[bid].append(gid)
            orgs.append(
                dict(
                    id=gid,
                    parent_id=bid,
                    kind="group",
                    name=f"第{g + 1}党小组",
                    code=f"group-{b + 1}-{g + 1}",
                    path=f"/1/{tid}/{bid}/{gid}/",
                    sort_order=g,
                    created_at=now,
                )
            )
    bulk(engine, Organisation.__table__, "organisations", len(orgs), iter(orgs))

    member_branch = [branch_ids[i % n_branches] for i in range(n_members)]

    def members() -> Iterator[dict[str, Any]]:
        for i in range(n_members):
            bid = member_branch[i]
            yield dict(
                id=i + 1,
                org_id=bid,
                group_id=rnd.choice(groups_of[bid] + [None]),
                name=rnd.choice(SURNAMES) + rnd.choice(GIVEN) + rnd.choice(GIVEN),
                phone=f"13{i:09d}",
                gender=rnd.choice("男女"),
                birth_year=rnd.randint(1945, 2000),
                duties="支部书记" if i < n_branches else "",
                speciality="",
                photo_key=None,
                public_code=f"p{i + 1:07d}",
                card_show_phone=False,
                card_contact="",
                exempt=rnd.random() < 0.03,
                exempt_reason="",
                active=True,
                created_at=now,
            )

    bulk(engine, Member.__table__, "members", n_members, members())
    grants = [
        dict(id=i + 1, member_id=i + 1, account_id=None, role="secretary", org_id=member_branch[i])
        for i in range(n_branches)
    ]
    bulk(engine, RoleGrant.__table__, "role grants", len(grants), iter(grants))

    n_households = n_members * 2

    def households() -> Iterator[dict[str, Any]]:
        for i in range(n_households):
            yield dict(
                id=i + 1,
                org_id=member_branch[i // 2],
                code=f"H{i + 1:08d}",
                address=f"{i // 2 % 50 + 1}组{i + 1}号",
                head_name="",
                phone="",
                size=3,
                created_at=now,
            )

    bulk(engine, Household.__table__, "households", n_households, households())
    bulk(
        engine,
        MemberHousehold.__table__,
        "links",
        n_households,
        (dict(id=i + 1, member_id=i // 2 + 1, household_id=i + 1) for i in range(n_households)),
    )

    def commitments() -> Iterator[dict[str, Any]]:
        for i in range(n_commitments):
            title, kind, freq, qty, unit = TITLES[i % len(TITLES)]
            is_branch = kind == "deadline"
            mid = (i % n_members) + 1
            bid = branch_ids[i % n_branches] if is_branch else member_branch[mid - 1]
            status = (
                "published"
                if rnd.random() < 0.9
                else rnd.choice(
                    ["draft", "pending_group", "pending_branch", "pending_township", "withdrawn"]
                )
            )
            yield dict(
                id=i + 1,
                owner_kind="branch" if is_branch else "member",
                member_id=None if is_branch else mid,
                org_id=bid,
                category="",
                title=title,
                description="",
                target_quantity=qty,
                unit=unit,
                target_kind=kind,
                frequency=freq,
                start_date=YEAR_START,
                end_date=date(2026, 10, 31) if is_branch else YEAR_END,
                beneficiary="",
                status=status,
                last_rejection_reason="",
                content_status="not_checked",
                revision=1,
                created_by_account_id=None,
                submitted_at=now,
                published_at=now if status == "published" else None,
                withdrawn_at=None,
                created_at=now,
                updated_at=now,
            )

    bulk(engine, Commitment.__table__, "commitments", n_commitments, commitments())

    span = (LAST_DAY - YEAR_START).days

    def logs() -> Iterator[dict[str, Any]]:
        for i in range(n_logs):
            cid = rnd.randint(1, n_commitments)
            day = YEAR_START + timedelta(days=rnd.randint(0, span))
            moment = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(
                hours=rnd.randint(8, 20)
            )
            yield dict(
                id=i + 1,
                commitment_id=cid,
                member_id=((cid - 1) % n_members) + 1,
                account_id=None,
                quantity=rnd.choice((1, 1, 1, 2, 3)),
                note="浇水" if cid % 8 == 0 else "已完成",
                happened_on=day,
                channel=rnd.choice(("bot", "miniprogram")),
                source_msg_id=None,
                content_status="not_checked",
                verified_at=moment if rnd.random() < 0.5 else None,
                verified_by_account_id=None,
                created_at=moment,
                updated_at=moment,
            )

    bulk(engine, FulfilmentLog.__table__, "logs", n_logs, logs())

    n_accounts = n_requests // 4
    bulk(
        engine,
        Account.__table__,
        "accounts",
        n_accounts,
        (
            dict(
                id=i + 1,
                oa_openid=f"o-bench-{i + 1}",
                mp_openid=None,
                unionid=None,
                nickname="",
                name="",
                phone="",
                member_id=None,
                household_id=(i % n_households) + 1,
                subscribed=True,
                created_at=now,
            )
            for i in range(n_accounts)
        ),
    )

    statuses = ["assigned", "claimed", "in_progress", "resolved", "confirmed", "confirmed"]

    def requests() -> Iterator[dict[str, Any]]:
        for i in range(n_requests):
            day = YEAR_START + timedelta(days=rnd.randint(0, span))
            created = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)
            status = rnd.choice(statuses)
            answered = (
                created + timedelta(hours=rnd.randint(1, 72)) if status != "assigned" else None
            )
            resolved = (
                answered + timedelta(days=2)
                if answered and status in ("resolved", "confirmed")
                else None
            )
            aid = (i % n_accounts) + 1
            hid = (aid - 1) % n_households + 1
            yield dict(
                id=i + 1,
                number=f"{day.strftime('%y%m%d')}{i + 1}",
                kind=rnd.choice(("problem", "wish", "suggestion", "complaint")),
                text="路灯坏了",
                location="",
                channel="bot",
                source_msg_id=None,
                submitter_account_id=aid,
                household_id=hid,
                org_id=member_branch[(hid - 1) // 2],
                assignee_member_id=(hid - 1) // 2 + 1,
                status=status,
                resolution="done" if resolved else None,
                resolution_note="",
                due_at=created + timedelta(hours=48),
                first_answered_at=answered,
                resolved_at=resolved,
                confirmed_at=resolved if status == "confirmed" else None,
                reopened_count=0,
                escalation_level=0,
                escalated_at=None,
                rating=rnd.choice(("satisfied", "satisfied", "basically_satisfied", "unsatisfied"))
                if status == "confirmed"
                else None,
                rating_comment="",
                rated_at=None,
                created_at=created,
            )

    bulk(engine, Request.__table__, "requests", n_requests, requests())
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for table in (
                "organisation",
                "member",
                "role_grant",
                "household",
                "member_household",
                "commitment",
                "fulfilment_log",
                "account",
                "request",
            ):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                    )
                )
        # as the README advises after a bulk import: VACUUM sets the visibility map, without
        # which PostgreSQL cannot answer from the covering indexes alone (index-only scans)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (ANALYZE)"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    engine.dispose()
    return {
        "branches": n_branches,
        "members": n_members,
        "households": n_households,
        "commitments": n_commitments,
        "logs": n_logs,
        "requests": n_requests,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="生成区级规模的基准数据")
    parser.add_argument("--url", default="sqlite:///bench/data/district.db")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    started = time.perf_counter()
    counts = generate(args.url, args.scale, args.seed)
    print(
        f"生成完成，用时 {time.perf_counter() - started:.1f} 秒："
        + "，".join(f"{k} {v:,}" for k, v in counts.items())
    )


if __name__ == "__main__":
    main()
