"""Cells as CRMs write them: the amounts, dates, stages and encodings a manager's export really contains."""

from datetime import date

import pytest

from db.importers.reading import detect_encoding, read_table
from db.importers.values import BadValue, infer_date_order, parse_amount_text, parse_date_text, stage_status


@pytest.mark.parametrize(
    ("text", "cents", "currency"),
    [
        ("$12,000.00", 1_200_000, "USD"),
        ("¥1,200", 120_000, "CNY"),
        ("1.2万", 1_200_000, None),
        ("(500)", -50_000, None),
        ("12.500,00", 1_250_000, None),
        ("EUR 3,250.50", 325_050, "EUR"),
        ("250k", 25_000_000, None),
        ("€100,000.00", 10_000_000, "EUR"),
    ],
)
def test_amounts_in_every_common_notation(text: str, cents: int, currency: str | None) -> None:
    assert parse_amount_text(text) == (cents, currency)


def test_an_unreadable_amount_is_a_bad_value() -> None:
    with pytest.raises(BadValue):
        parse_amount_text("about 5k maybe")


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("2026-03-01", None, date(2026, 3, 1)),
        ("2026-03-01 10:20", None, date(2026, 3, 1)),
        ("2026年3月1日", None, date(2026, 3, 1)),
        ("3/14/2026", None, date(2026, 3, 14)),
        ("14/03/2026", None, date(2026, 3, 14)),
        ("03/04/2026", "DMY", date(2026, 4, 3)),
        ("03/04/2026", "MDY", date(2026, 3, 4)),
        ("31-Jul-18", None, date(2018, 7, 31)),
        ("March 1, 2026", None, date(2026, 3, 1)),
        ("2026/3/1", None, date(2026, 3, 1)),
    ],
)
def test_dates_iso_us_european_chinese_and_named(text: str, order: str | None, expected: date) -> None:
    assert parse_date_text(text, order) == expected


def test_a_file_of_only_ambiguous_dates_needs_an_order() -> None:
    assert infer_date_order(["03/04/2026", "13/04/2026"]) == "DMY"
    assert infer_date_order(["03/04/2026", "04/13/2026"]) == "MDY"
    with pytest.raises(BadValue):
        infer_date_order(["03/04/2026", "05/06/2026"])


@pytest.mark.parametrize(
    ("stage", "status"),
    [
        ("Closed Won", "won"),
        ("closedwon", "won"),
        ("赢单", "won"),
        ("成交", "won"),
        ("Closed Lost", "lost"),
        ("输单", "lost"),
        ("Negotiation/Review", "open"),
        ("谈判审核", "open"),
        ("Prospecting", "open"),
        ("Signed", None),
    ],
)
def test_stage_words_map_to_open_won_lost(stage: str, status: str | None) -> None:
    assert stage_status(stage) == status
    assert stage_status("Signed", {"signed": "won"}) == "won"


def test_encodings_of_real_exports() -> None:
    text = "负责人,商机金额\n张三,¥1200\n"
    assert detect_encoding(text.encode("gb18030")) == "gb18030"
    assert detect_encoding("Owner\nZoë Lefèvre\nJürgen Müller\n".encode("cp1252")) == "cp1252"
    assert detect_encoding(b"\xef\xbb\xbf" + text.encode()) == "utf-8-sig"
    table = read_table(("\ufeff" + text).replace("\n", "\r\n").encode("utf-8"))
    assert list(table.frame.columns) == ["负责人", "商机金额"] and table.frame.iloc[0, 0] == "张三"


def test_tab_and_semicolon_separated_files_are_read() -> None:
    assert list(read_table(b"a\tb\n1\t2\n").frame.columns) == ["a", "b"]
    assert read_table(b"a;b\n1,5;2\n").frame.iloc[0, 0] == "1,5"
