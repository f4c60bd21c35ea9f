"""reports/account_names.py: the same account under another spelling, and close names offered as
"did you mean" — never assumed."""

import pytest

from reports import account_names as an

KNOWN = ["Bluth Co.", "Cancity", "Acme Corporation", "上海明远科技有限公司", "Isdom", "Kan-code", "Konex"]


@pytest.mark.parametrize(
    ("typed", "same"),
    [
        ("Bluth Co", "Bluth Co."),
        ("bluth company", "Bluth Co."),
        ("CANCITY", "Cancity"),
        ("ACME Inc.", "Acme Corporation"),
        ("Acme", "Acme Corporation"),
        ("上海明远科技", "上海明远科技有限公司"),
        ("kancode", "Kan-code"),
        ("Ｃａｎｃｉｔｙ", "Cancity"),  # full-width letters
    ],
)
def test_the_same_account_under_another_spelling(typed: str, same: str) -> None:
    assert an.match(typed, KNOWN) == an.Match(" ".join(typed.split()), same)


@pytest.mark.parametrize(
    ("typed", "suggestions"),
    [("Cancty", ("Cancity",)), ("Isdim", ("Isdom",)), ("上海明远", ("上海明远科技有限公司",)), ("Newco", ())],
)
def test_close_names_are_suggested_not_assumed(typed: str, suggestions: tuple[str, ...]) -> None:
    found = an.match(typed, KNOWN)
    assert found.is_new and found.suggestions == suggestions


def test_the_menu_suggests_as_someone_types() -> None:
    assert an.suggest("", KNOWN)[:3] == ["Acme Corporation", "Bluth Co.", "Cancity"]
    assert an.suggest("Kone", KNOWN) == ["Konex"]
    assert an.normalise("上海明远科技股份有限公司") == "上海明远科技" and an.normalise("Newco") == "newco"
