"""The console's request list shows what came from the chat with a request: its place (label
and coordinates) and any voice message, downloadable by staff only."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from models import Organisation, VoiceClip
from services import requests as request_service
from tests import factories as f


def test_console_lists_the_coordinates_of_a_request(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner
) -> None:
    out = runner.invoke(args=["setup", "township", "--name", "青山镇"])
    link = re.search(r"(/staff/login\?t=\S+)", out.output)
    assert link and client.get(link.group(1)).status_code == 303
    with app.extensions["db"].session() as s:
        township = s.scalar(select(Organisation).where(Organisation.kind == "township"))
        assert township is not None
        resident = f.account(s)
        actor = f.as_actor(s, resident)
        req = request_service.submit(s, actor, kind="problem", text="桥栏杆断了")
        request_service.attach_location(s, actor, req, "28.1941", "112.9765", "村口小桥")
        s.commit()
        township_id = township.id
    html = client.get("/staff/requests", query_string={"org": township_id}).get_data(as_text=True)
    assert "位置：村口小桥（纬度 28.1941，经度 112.9765）" in html


def test_console_offers_a_voice_left_with_a_request(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    out = runner.invoke(args=["setup", "township", "--name", "青山镇"])
    link = re.search(r"(/staff/login\?t=\S+)", out.output)
    anonymous = app.test_client()
    with app.extensions["db"].session() as s:
        township = s.scalar(select(Organisation).where(Organisation.kind == "township"))
        assert township is not None
        resident = f.account(s)
        req = request_service.submit(s, f.as_actor(s, resident), kind="problem", text="语音留言")
        (tmp_path / "uploads" / "wechat-voice").mkdir(parents=True)
        (tmp_path / "uploads" / "wechat-voice" / "abc.amr").write_bytes(b"#!AMR\n-voice-")
        ready = VoiceClip(wechat_media_id="M1", storage_key="wechat-voice/abc.amr",
                          status="ready", request_id=req.id, account_id=resident.id)  # fmt: skip
        pending = VoiceClip(wechat_media_id="M2", status="downloading", request_id=req.id)
        s.add_all([ready, pending])
        s.commit()
        township_id, ready_id, pending_id = township.id, ready.id, pending.id
    assert anonymous.get(f"/staff/voice/{ready_id}").status_code in (302, 303)
    assert link and client.get(link.group(1)).status_code == 303
    html = client.get("/staff/requests", query_string={"org": township_id}).get_data(as_text=True)
    assert f'href="/staff/voice/{ready_id}"' in html and f"/staff/voice/{pending_id}" not in html
    with client.get(f"/staff/voice/{ready_id}") as got:  # closes the served file
        assert got.status_code == 200 and got.data == b"#!AMR\n-voice-"
        assert got.mimetype == "audio/amr"
    assert client.get(f"/staff/voice/{pending_id}").status_code == 404
    assert client.get("/staff/voice/999999").status_code == 404
