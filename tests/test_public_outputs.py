"""Every public output applies the same two rules (issue 10): content that is not public
(a content-rejected commitment, a rejected or pending log) appears in none of them, and a
resident's phone number is masked in all of them however it was written.

The outputs: the wall, board and card as HTML pages and as JSON, a commitment's public logs
(JSON), the township overview (HTML and JSON), a group summary (the monthly summary job run
through the scheduler CLI, read from the outbox) and the public CSV export (the signed link
printed by ``flask report link``)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from models import FulfilmentLog, GroupRobot, OutboundMessage
from tests import factories as f

SPELLINGS = ("13612345670", "136 1234 5670", "136-1234-5670", "+86 136 1234 5670")
MASKED = "136****5670"
# Fragments that only an unmasked number would leave behind.
LEAKS = (*SPELLINGS, "12345670", "1234 5670", "1234-5670", "+86")
HIDDEN = ("驳回承诺甲乙丙", "驳回承诺下的记录", "驳回记录丁戊己", "待审记录庚辛壬")

LOG_DAY = date(2026, 11, 20)  # in the month the summary covers (the suite runs 2026-12)
SUMMARY_PERIOD = "2026-11"


@dataclass
class World:
    township_id: int
    township_code: str
    branch_id: int
    branch_code: str
    member_code: str
    commitment_id: int


def _build(app: Flask) -> World:
    with app.extensions["db"].session() as s:
        tree = f.tree(s)
        township, branch = tree["township"], tree["branch"]
        s.add(GroupRobot(org_id=branch.id, name="东村党员群", webhook_env="R_BRANCH"))
        s.add(GroupRobot(org_id=township.id, name="镇党建群", webhook_env="R_TOWN"))
        m = f.member(s, branch, "王建国", public_code="wjg001")
        # Public commitments: every spelling in text the wall and the card show.
        c1 = f.published(
            s,
            m,
            f"帮王奶奶买菜，电话{SPELLINGS[0]}",
            beneficiary=f"王奶奶 {SPELLINGS[1]}",
            description=f"有事打{SPELLINGS[3]}",
            content_status="pass",
        )
        f.published(
            s,
            m,
            f"陪李大爷复诊 {SPELLINGS[2]}",
            beneficiary=f"李大爷（{SPELLINGS[3]}）",
        )
        # A published commitment whose text the content check rejected, with a clean log.
        rejected = f.published(s, m, HIDDEN[0], beneficiary=HIDDEN[0], content_status="rejected")
        logs = [(c1, f"送菜上门，王奶奶电话{spelling}", "pass") for spelling in SPELLINGS] + [
            (rejected, HIDDEN[1], "pass"),
            (c1, HIDDEN[2], "rejected"),
            (c1, HIDDEN[3], "pending"),
        ]
        for c, note, status in logs:
            s.add(
                FulfilmentLog(
                    commitment_id=c.id,
                    member_id=m.id,
                    quantity=1,
                    note=note,
                    happened_on=LOG_DAY,
                    channel="web",
                    content_status=status,
                )
            )
        s.commit()
        return World(township.id, township.code, branch.id, branch.code, m.public_code, c1.id)


def _html(client: FlaskClient, path: str) -> str:
    resp = client.get(path)
    assert resp.status_code == 200, path
    assert resp.mimetype == "text/html"
    return resp.get_data(as_text=True)


def _json(client: FlaskClient, path: str) -> str:
    resp = client.get(path)
    assert resp.status_code == 200, (path, resp.get_data(as_text=True))
    return json.dumps(resp.get_json(), ensure_ascii=False)


def _summary(app: Flask, runner: FlaskCliRunner) -> str:
    result = runner.invoke(
        args=["scheduler", "run-job", "monthly_summary", "--period", SUMMARY_PERIOD]
    )
    assert result.exit_code == 0, result.output
    with app.extensions["db"].session() as s:
        payloads = list(s.scalars(select(OutboundMessage.payload)))
    assert len(payloads) >= 2  # one for the branch group, one for the township group
    text = "\n".join(json.dumps(json.loads(p), ensure_ascii=False) for p in payloads)
    assert "东村党支部" in text  # the push really is about this branch
    return text


def _csv(client: FlaskClient, runner: FlaskCliRunner, w: World) -> str:
    result = runner.invoke(args=["report", "link", "--org", str(w.township_id), "--year", "2026"])
    assert result.exit_code == 0, result.output
    url = re.search(r"(https?://[^\s，。]+/year-end\.csv\S*)", result.output)
    assert url, result.output
    parts = urlsplit(url.group(1))
    resp = client.get(f"{parts.path}?{parts.query}")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    text = resp.get_data(as_text=True)
    assert "东村党支部" in text
    return text


# output name → (read it, does it show commitment or log text?)
OUTPUTS = {
    "wall.html": (lambda c, r, a, w: _html(c, f"/o/{w.branch_code}/wall"), True),
    "board.html": (lambda c, r, a, w: _html(c, f"/o/{w.branch_code}/board"), False),
    "card.html": (lambda c, r, a, w: _html(c, f"/m/{w.member_code}"), True),
    "overview.html": (lambda c, r, a, w: _html(c, f"/?t={w.township_code}"), False),
    "wall.json": (lambda c, r, a, w: _json(c, f"/api/v1/orgs/{w.branch_id}/wall"), True),
    "board.json": (lambda c, r, a, w: _json(c, f"/api/v1/orgs/{w.branch_id}/board"), False),
    "card.json": (lambda c, r, a, w: _json(c, f"/api/v1/members/{w.member_code}/card"), True),
    "logs.json": (
        lambda c, r, a, w: _json(c, f"/api/v1/commitments/{w.commitment_id}/logs"),
        True,
    ),
    "overview.json": (
        lambda c, r, a, w: _json(c, f"/api/v1/orgs/{w.township_id}/overview"),
        False,
    ),
    "group-summary": (lambda c, r, a, w: _summary(a, r), False),
    "year-end.csv": (lambda c, r, a, w: _csv(c, r, w), False),
}


@pytest.mark.parametrize("output", sorted(OUTPUTS))
def test_public_output_hides_rejected_content_and_masks_phones(
    output: str, app: Flask, client: FlaskClient, runner: FlaskCliRunner
) -> None:
    w = _build(app)
    read, shows_text = OUTPUTS[output]
    text = read(client, runner, app, w)
    assert any(x in text for x in ("王建国", "东村党支部", "王奶奶"))  # about our data
    for hidden in HIDDEN:
        assert hidden not in text, f"{output} shows non-public content {hidden!r}"
    for leak in LEAKS:
        assert leak not in text, f"{output} shows a phone unmasked ({leak!r})"
    if shows_text:
        assert MASKED in text, f"{output} lost the text around the phone"
        assert "王奶奶" in text


def test_rejected_commitment_and_its_logs_are_not_found_in_json(
    app: Flask, client: FlaskClient
) -> None:
    w = _build(app)
    with app.extensions["db"].session() as s:
        from models import Commitment

        rejected_id = s.scalar(select(Commitment.id).where(Commitment.title == HIDDEN[0]))
    assert client.get(f"/api/v1/commitments/{rejected_id}").status_code == 404
    assert client.get(f"/api/v1/commitments/{rejected_id}/logs").status_code == 404
    assert client.get(f"/api/v1/orgs/{w.branch_id}/overview").status_code == 404  # not a township
    # Figures on public boards count public commitments only (2 of the branch's 3).
    (row,) = client.get(f"/api/v1/orgs/{w.township_id}/overview").get_json()["branches"]
    assert row["commitments"] == 2
    board = client.get(f"/api/v1/orgs/{w.branch_id}/board").get_json()
    assert [r["commitments"] for r in board["rows"]] == [2]
    assert board["flag"] == row["flag"]  # one flag per branch, the same on board and overview
