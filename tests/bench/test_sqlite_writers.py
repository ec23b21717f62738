"""SQLite with 3 processes × 8 writer threads: no "database is locked", nothing lost.

The 30-second run is `python -m bench.sqlite_writers`; the suite runs a 3-second one.
"""

from __future__ import annotations

from bench.sqlite_writers import run


def test_concurrent_writers_lose_nothing(tmp_path):
    result = run(processes=3, threads=8, seconds=3, path=tmp_path / "w.db")
    assert result["locked_errors"] == 0
    assert result["other_errors"] == []
    assert result["successful_commits"] > 0
    assert result["rows"] == result["successful_commits"]
