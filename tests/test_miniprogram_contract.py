"""The mini-program and the API were built side by side: every API path the client calls
must exist in the server's generated OpenAPI document."""

from __future__ import annotations

import re
from pathlib import Path

MINIPROGRAM = Path(__file__).resolve().parent.parent / "miniprogram"
LITERAL = re.compile(r"""[`'"](/[a-z][^`'"\s]*)[`'"]""")
# Request actions built from a verb: request-detail's this.act('claim', …) and the 待办
# page's this.post(id, 'claim', …) both post to /requests/{id}/<verb>.
ACTIONS = re.compile(r"""this\.act\(\s*'(\w+)'""")
POSTS = re.compile(r"""this\.post\(\s*[^,()]+(?:\([^)]*\))?[^,()]*,\s*'(\w+)'""")


def _template(path: str) -> str:
    """'/requests/${this.data.id}/logs' → '/requests/{}/logs'."""
    return re.sub(r"\$\{[^}]+\}", "{}", path.split("?")[0])


def client_sources() -> list[Path]:
    return [
        *MINIPROGRAM.glob("pages/*/index.js"),
        *MINIPROGRAM.glob("utils/*.js"),
        *MINIPROGRAM.glob("custom-tab-bar/*.js"),
    ]


def client_paths() -> set[str]:
    found: set[str] = set()
    for js in client_sources():
        lines = js.read_text(encoding="utf-8").splitlines()
        text = "\n".join(ln for ln in lines if not ln.lstrip().startswith(("//", "*", "/*")))
        for literal in LITERAL.findall(text):
            if literal.startswith("/pages/") or literal in ("/", "/{}"):
                continue
            found.add(_template(literal))
        verbs = set(ACTIONS.findall(text)) | set(POSTS.findall(text))
        found |= {f"/requests/{{}}/{verb}" for verb in verbs}
    # '/requests/${id}/${verb}' itself: its verbs are read above
    return {p for p in found if p != "/requests/{}/{}"}


def test_every_client_path_exists_on_the_server(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    server = {re.sub(r"\{[^}]+\}", "{}", p.removeprefix("/api/v1")) for p in spec["paths"]}
    used = client_paths()
    assert len(used) >= 15  # the client really was read
    missing = sorted(p for p in used if p not in server)
    assert missing == [], f"the mini-program calls paths the API does not have: {missing}"


def test_the_new_pages_calls_are_read() -> None:
    """The calls of the scan, 待办, sign-off, log-edit, subscription and 评诺 pages are read."""
    used = client_paths()
    for path in (
        "/members/{}/card",
        "/members/{}/sign-offs",
        "/logs/{}/confirm",
        "/orgs/{}/board",
        "/requests/assigned",
        "/orgs/{}/demands",
        "/requests/{}/claim",
        "/requests/{}/reply",
        "/requests/{}/resolve",
        "/requests/{}/transfer",
        "/requests/{}/candidates",
        "/logs/{}",
        "/subscriptions",
        "/members/{}/points",
        "/orgs/{}/points",
        "/orgs/{}/grades",
        "/members/{}/grades",
        "/me/mutual",
        "/members/{}/mutual",
        "/reviews/content",
        "/reviews/content/{}/{}",
    ):
        assert path in used, path
