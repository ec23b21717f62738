"""Progress of long work: the roster import reports every checked row, bind codes every code
(what the CLI's progress bars show)."""

from __future__ import annotations

from services.org import bindcodes, roster
from tests.services.test_roster import HEADERS, branches, roster_rows, write_csv  # noqa: F401


def test_import_and_bind_codes_report_progress(session, branches, tmp_path):  # noqa: F811
    seen: list[tuple[int, int]] = []
    path = write_csv(tmp_path / "r.csv", HEADERS, roster_rows(12))
    result = roster.import_members(
        session, path, confirm=True, progress=lambda d, t: seen.append((d, t))
    )
    assert result.created == 12
    assert seen == [(i, 12) for i in range(1, 13)]
    session.commit()
    issued: list[tuple[int, int]] = []
    pairs = bindcodes.issue_for_org(
        session, branches["township"], progress=lambda d, t: issued.append((d, t))
    )
    assert len(pairs) == 12 and issued[-1] == (12, 12) and len(issued) == 12
