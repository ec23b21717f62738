"""The console's request list shows a request's place sent from the chat (label and
coordinates)."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from models import Organisation
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
