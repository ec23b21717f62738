"""One phone rule (services.org.phones) for sign-in, the roster and households."""

from __future__ import annotations

import pytest

from services.org import auth, households, phones, roster
from services.org.roster import ImportFailed
from tests import factories as f
from tests.services.test_roster import HEADERS, write_csv

CASES = [
    ("13907310001", "13907310001"),
    ("+86 139 0731 0001", "13907310001"),
    ("+86-139-0731-0001", "13907310001"),
    ("0086 13907310001", "13907310001"),
    ("8613907310001", "13907310001"),
    ("(+86)139-0731-0001", "13907310001"),
    ("139.0731.0001", "13907310001"),
    ("１３９０７３１０００１", "13907310001"),  # full-width digits
    ("＋８６　１３９－０７３１－０００１", "13907310001"),  # full-width plus, space, hyphen
    ("139\u20140731\u20140001", "13907310001"),  # em dashes pasted from a document
    ("0731-8888 1234", "073188881234"),  # a landline keeps its area code
    ("86123456789", "86123456789"),  # 11 digits: not a country code
    ("1380000abc", "1380000abc"),  # typos stay visible
    ("", ""),
]


@pytest.mark.parametrize(("raw", "expected"), CASES)
def test_one_rule_for_every_caller(raw, expected):
    assert phones.normalise_phone(raw) == expected
    # sign-in, the roster and households all use the same function
    assert auth.normalise_phone is phones.normalise_phone
    assert roster.normalise_phone is phones.normalise_phone
    assert households.normalise_phone is phones.normalise_phone


def test_bind_by_phone_with_full_width_and_country_code(session):
    t = f.tree(session)
    m = f.member(session, t["branch"], "王建国", phone="13907310001")
    a = f.account(session)
    assert auth.bind_by_phone(session, a, "＋８６ １３９０７３１０００１").id == m.id
    assert a.phone == "13907310001"


def test_roster_accepts_what_sign_in_accepts(session, tmp_path):
    t = f.tree(session)
    t["branch"].code = "branch-1"
    session.flush()
    rows = [
        ["党员甲", "139.0731.0001", "branch-1", "", "", "", "", "", "否", ""],
        ["党员乙", "0086 13907310002", "branch-1", "", "", "", "", "", "否", ""],
        ["党员丙", "１３９０７３１０００３", "branch-1", "", "", "", "", "", "否", ""],
    ]
    result = roster.import_members(session, write_csv(tmp_path / "r.csv", HEADERS, rows))
    assert result.created == 3
    bad = [["党员丁", "139-0731-000x", "branch-1", "", "", "", "", "", "否", ""]]
    with pytest.raises(ImportFailed):
        roster.import_members(session, write_csv(tmp_path / "b.csv", HEADERS, bad))
