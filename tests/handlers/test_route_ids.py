"""No route turns an impossible id into a server error: it is simply not found."""

from __future__ import annotations

import re

from handlers import IdConverter


def test_every_id_in_a_path_is_bounded(app, client):
    checked = 0
    for rule in app.url_map.iter_rules():
        ints = [name for name, conv in rule._converters.items() if isinstance(conv, IdConverter)]
        if not ints:
            continue
        path = re.sub(r"<(?:int:)?(\w+)>", lambda m, ints=ints: "99999999999"
                      if m.group(1) in ints else "x", rule.rule)  # fmt: skip
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            resp = client.open(path, method=method, json={})
            assert resp.status_code in (404, 405), (method, path, resp.status_code)
            checked += 1
    assert checked >= 10  # the API has many id routes; this must not pass vacuously
