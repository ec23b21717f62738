"""The 四化 check against the table of commitment texts in data/commitment_texts.yaml."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.commitments import quantify
from services.errors import DomainError

TABLE = Path(__file__).parent / "data" / "commitment_texts.yaml"
ROWS: list[dict[str, Any]] = yaml.safe_load(TABLE.read_text(encoding="utf-8"))
TODAY = date(2026, 3, 1)


def _id(row: dict[str, Any]) -> str:
    return row["text"] + (f"@{row['today']}" if "today" in row else "")


def _today(row: dict[str, Any]) -> date:
    return row.get("today") or TODAY


def test_the_table_is_big_and_covers_both_answers() -> None:
    assert len(ROWS) >= 80
    assert sum("refused" in r for r in ROWS) >= 20
    assert len({_id(r) for r in ROWS}) == len(ROWS)
    for row in ROWS:
        assert ("refused" in row) != ("kind" in row), row["text"]


@pytest.mark.parametrize("row", [r for r in ROWS if "kind" in r], ids=_id)
def test_accepted_text_parses_as_the_table_says(row: dict[str, Any]) -> None:
    out = quantify.check({"title": row["text"]}, _today(row))
    got = (out["target_kind"], out["frequency"], out["target_quantity"], out["unit"])
    want = (row["kind"], row.get("frequency"), row["quantity"], row["unit"])
    assert got == want
    assert out["end_date"] == row.get("end", date(_today(row).year, 12, 31))
    if "beneficiary" in row:
        assert out["beneficiary"] == row["beneficiary"]
    if "note" in row:
        assert any(row["note"] in n for n in out["notes"]), out["notes"]
    else:
        assert out["notes"] == []


@pytest.mark.parametrize("row", [r for r in ROWS if "refused" in r], ids=_id)
def test_refused_text_names_what_is_missing(row: dict[str, Any]) -> None:
    with pytest.raises(DomainError) as err:
        quantify.check({"title": row["text"]}, _today(row))
    assert set(err.value.fields) == set(row["refused"])
    if "hint" in row:
        assert row["hint"] in err.value.message


@pytest.mark.parametrize(
    "row", [r for r in ROWS if "refused" in r and "end_date" not in r["refused"]], ids=_id
)
def test_the_example_offered_with_a_refusal_is_itself_accepted(row: dict[str, Any]) -> None:
    example = quantify.suggest(row["text"])
    with pytest.raises(DomainError) as err:
        quantify.check({"title": row["text"]}, TODAY)
    assert example in err.value.message
    out = quantify.check({"title": example}, TODAY)
    assert out["target_quantity"] and out["target_kind"] in ("periodic", "count", "deadline")
