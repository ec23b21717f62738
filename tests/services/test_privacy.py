"""privacy.scrub masks a mainland mobile number however a resident wrote it, and nothing else."""

from __future__ import annotations

import pytest

from services import privacy


@pytest.mark.parametrize(
    "written",
    [
        "13612345670",
        "136 1234 5670",
        "136-1234-5670",
        "+86 136 1234 5670",
        "+86-136-1234-5670",
        "+8613612345670",
        "86 136 1234 5670",
        "8613612345670",
        "0086 13612345670",
        "136　1234　5670",  # ideographic spaces
    ],
)
def test_every_spelling_is_masked_to_the_same_form(written: str) -> None:
    assert privacy.scrub(f"王奶奶电话{written}，请联系") == "王奶奶电话136****5670，请联系"


def test_several_numbers_in_one_text_are_all_masked() -> None:
    text = "张三 13612345670；李四 +86 139-8765-4321。"
    assert privacy.scrub(text) == "张三 136****5670；李四 139****4321。"


@pytest.mark.parametrize(
    "kept",
    [
        "身份证号 110101199003071234",  # a longer run of digits is not a phone
        "编号 12136123456701",
        "座机 0571-8765 4321",
        "1361234567 只有十位",
        "12345678901",  # 12… is no mobile prefix
        "2026年12月1日浇水 3 次",
    ],
)
def test_text_without_a_mobile_number_is_unchanged(kept: str) -> None:
    assert privacy.scrub(kept) == kept


def test_empty_text() -> None:
    assert privacy.scrub(None) == "" and privacy.scrub("") == ""


def test_mask_phone_and_name() -> None:
    assert privacy.mask_phone("13612345670") == "136****5670"
    assert privacy.mask_phone("+86 136 1234 5670") == "136****5670"
    assert privacy.mask_phone("0086-136-1234-5670") == "136****5670"
    assert privacy.mask_phone("5670") == "****"
    assert privacy.mask_name("欧阳娜娜") == "欧***"
    assert privacy.mask_name("") == "群众"
