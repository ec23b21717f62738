"""Signing in to the console in a test as a staff member would: the one-time link `flask staff
link` prints, opened in the browser; returns the page's CSRF token for the forms."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient


def staff_login(app: Flask, client: FlaskClient, account_id: int) -> str:
    out = app.test_cli_runner().invoke(args=["staff", "link", "--account", str(account_id)])
    assert out.exit_code == 0, out.output
    link = re.search(r"(/staff/login\?t=\S+)", out.output)
    assert link and client.get(link.group(1)).status_code == 303
    html = client.get("/staff/").get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)
