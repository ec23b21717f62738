"""The same delivery 3 times in a row and 3 times at once, to two worker processes that
share one database (SQLite file; PostgreSQL when TEST_DATABASE_URL is set): exactly one
fulfilment log, and every delivery gets the same well-formed, encrypted answer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import xmltodict
from sqlalchemy import func, select

from models import FulfilmentLog, InboundMessage
from models.db import Database
from tests import factories

from .conftest import APP_ID, TOKEN, commitment_fields, oa_config
from .wxcrypto import WxCrypto, signature, text_xml

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def two_workers(db_url: str, tmp_path: Path) -> Iterator[tuple[list[str], Database]]:
    config = oa_config(db_url, tmp_path)
    db = Database(db_url)
    with db.session() as s:
        orgs = factories.tree(s)
        member = factories.member(s, orgs["branch"], "孙志强")
        factories.published(s, member, "每周打扫村委会门前", **commitment_fields())
        factories.account(s, member=member, oa_openid="o-dedupe")
    env = {**os.environ, "TEST_APP_CONFIG_JSON": json.dumps(config)}
    procs = []
    urls = []
    try:
        for _ in range(2):
            p = subprocess.Popen(
                [sys.executable, str(ROOT / "tests" / "wechat" / "serve_app.py")],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            procs.append(p)
            assert p.stdout is not None
            port = p.stdout.readline().strip()
            assert port.isdigit(), "worker did not start"
            urls.append(f"http://127.0.0.1:{port}/wechat/callback")
        yield urls, db
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=10)
            if p.stdout is not None:
                p.stdout.close()
        db.dispose()


def _deliver(url: str, crypto: WxCrypto, xml: str) -> tuple[int, str]:
    ts, nonce = str(int(time.time())), f"n{time.perf_counter_ns()}"
    body, msg_sig = crypto.envelope(xml, ts, nonce)
    q = {"signature": signature(TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce,
         "encrypt_type": "aes", "msg_signature": msg_sig}  # fmt: skip
    resp = requests.post(url, params=q, data=body, timeout=20)
    if resp.status_code != 200 or resp.text == "success":
        return resp.status_code, resp.text
    env = xmltodict.parse(resp.text)["xml"]
    assert env["MsgSignature"] == signature(TOKEN, env["TimeStamp"], env["Nonce"], env["Encrypt"])
    inner, appid = crypto.decrypt(env["Encrypt"])
    assert appid == APP_ID
    return resp.status_code, xmltodict.parse(inner)["xml"]["Content"]


@pytest.mark.slow
def test_three_in_a_row_and_three_at_once(two_workers: tuple[list[str], Database]) -> None:
    urls, db = two_workers
    crypto = WxCrypto(TOKEN, "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", APP_ID)
    base = int(time.time() * 1000)

    xml1 = text_xml("o-dedupe", "践诺 1 打扫门前 2次", base + 1)
    in_a_row = [_deliver(urls[i % 2], crypto, xml1) for i in range(3)]
    assert all(status == 200 for status, _ in in_a_row)
    assert len({answer for _, answer in in_a_row}) == 1
    assert "已记录践诺" in in_a_row[0][1]

    xml2 = text_xml("o-dedupe", "践诺 1 打扫门前 1次", base + 2)
    results: list[tuple[int, str]] = []
    barrier = threading.Barrier(3)

    def go(url: str) -> None:
        barrier.wait()
        results.append(_deliver(url, crypto, xml2))

    threads = [threading.Thread(target=go, args=(urls[i % 2],)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(results) == 3
    assert all(status == 200 for status, _ in results), results
    assert len({answer for _, answer in results}) == 1, results
    assert "已记录践诺" in results[0][1]

    with db.session() as s:
        logs = s.scalars(select(FulfilmentLog)).all()
        assert sorted(entry.quantity for entry in logs) == [1, 2]
        assert s.scalar(select(func.count(InboundMessage.id))) == 2
