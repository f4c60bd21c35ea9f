from datetime import date
from decimal import Decimal

import pytest

from reports.formatting import (
    change,
    currency_sign,
    date_short,
    locale_for,
    money,
    money_short,
    money_whole,
    number,
    number_short,
    percent,
    to_decimal,
)


@pytest.mark.parametrize(
    ("language", "locale"),
    [
        ("en", "en_US"),
        ("zh", "zh_CN"),
        ("en-GB", "en_GB"),
        ("en-US", "en_US"),
        ("zh-CN", "zh_CN"),
        ("zh-TW", "zh_TW"),
        ("zh_Hans_CN", "zh_CN"),
        ("EN", "en_US"),
        ("", "en_US"),
        ("xx-YY", "en_US"),
        ("klingon", "en_US"),
    ],
)
def test_locale_for(language: str, locale: str) -> None:
    assert locale_for(language) == locale


def test_money_exact_from_cents() -> None:
    assert money(128453000, "USD", "en") == "US$1,284,530.00"
    assert money(128453000, "CNY", "zh") == "¥1,284,530.00"
    assert money(311779, "USD", "en") == "US$3,117.79"
    assert money(-5, "USD", "en") == "-US$0.05"
    assert money(0, "USD", "zh") == "US$0.00"
    # English readers see CNY as CN¥, so it is never mistaken for yen.
    assert money(100, "CNY", "en") == "CN¥1.00"


@pytest.mark.parametrize(
    ("currency", "language", "sign"),
    [
        ("USD", "en", "US$"),  # Babel's en_US says "$": whose dollar?
        ("USD", "zh", "US$"),
        ("CNY", "en", "CN¥"),
        ("CNY", "zh", "¥"),  # as Chinese readers write it; the yen is JP¥ there
        ("CNY", "zh-TW", "CN¥"),
        ("JPY", "en", "JP¥"),  # Babel's en_US says "¥"
        ("JPY", "zh-TW", "JP¥"),
        ("EUR", "en", "€"),
        ("EUR", "zh", "€"),
        ("GBP", "en", "£"),
        ("CAD", "en-CA", "CA$"),
        ("TWD", "zh-TW", "NT$"),
    ],
)
def test_every_amount_carries_an_unambiguous_sign(currency: str, language: str, sign: str) -> None:
    assert currency_sign(currency, language) == sign
    for text in (money(123456, currency, language), money_short(123456, currency, language)):
        assert text.startswith(sign) and not text.startswith(sign + sign[-1]), text
    assert money_whole(-123456, currency, language).startswith("-" + sign)


def test_money_whole_rounds_half_up_to_whole_units() -> None:
    assert money_whole(31007550, "USD", "en") == "US$310,076"
    assert money_whole(128453049, "CNY", "zh") == "¥1,284,530"


def test_money_has_no_float_rounding_errors() -> None:
    # 0.1 + 0.2 style errors and float precision loss on large amounts cannot happen with Decimal.
    assert money(30, "USD", "en") == "US$0.30"
    assert money(900719925474099315, "USD", "en") == "US$9,007,199,254,740,993.15"
    assert to_decimal(12345) == Decimal("123.45")
    with pytest.raises(TypeError):
        money(12.5, "USD", "en")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        money(True, "USD", "en")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cents", "en", "zh"),
    [
        (0, "US$0", "¥0"),
        (95_000, "US$950", "¥950"),
        (950, "US$9.5", "¥9.5"),
        (5, "US$0.05", "¥0.05"),
        (123_456, "US$1.2K", "¥1,235"),
        (1_234_567, "US$12K", "¥1.2万"),
        (31_007_500, "US$310K", "¥31万"),
        (99_999_900, "US$1M", "¥100万"),
        (123_456_700, "US$1.2M", "¥123万"),
        (12_345_678_900, "US$123M", "¥1.2亿"),
        (-123_456_789, "-US$1.2M", "-¥123万"),
    ],
)
def test_money_short(cents: int, en: str, zh: str) -> None:
    assert money_short(cents, "USD", "en") == en
    assert money_short(cents, "CNY", "zh") == zh


def test_money_short_examples_from_the_brief() -> None:
    assert money_short(120_000_000, "USD", "en") == "US$1.2M"
    assert money_short(31_000_000, "USD", "en") == "US$310K"
    assert money_short(123_000_000, "CNY", "zh") == "¥123万"
    assert money_short(12_000_000_000, "CNY", "zh") == "¥1.2亿"


def test_number() -> None:
    assert number(1234567, "en") == "1,234,567"
    assert number(1234.5, "en", 1) == "1,234.5"
    assert number(1234.5, "zh", 2) == "1,234.50"
    assert number(0.1 + 0.2, "en", 2) == "0.30"
    assert number(2.5, "en") == "3"  # half up, as people expect, not Babel's banker's rounding
    assert number(2.675, "en", 2) == "2.68"
    assert number_short(12_345, "en") == "12K"
    assert number_short(12_345, "zh") == "1.2万"
    assert number_short(950, "en") == "950"


def test_percent() -> None:
    assert percent(0.583, "en") == "58.3%"
    assert percent(0.583, "zh") == "58.3%"
    assert percent(1.07, "en", 0) == "107%"
    assert percent(0, "en") == "0.0%"
    assert percent(None, "en") == "n/a"
    assert percent(None, "zh") == "无"
    assert percent(12.345, "en", 0) == "1,235%"
    assert percent(0.0125, "en") == "1.3%"
    assert percent(float("nan"), "en") == "n/a"
    assert percent(float("inf"), "zh") == "无"


def test_change() -> None:
    assert change(112.4, 100, "en") == "▲ 12.4%"
    assert change(96.9, 100, "en") == "▼ 3.1%"
    assert change(112.4, 100, "zh") == "▲12.4%"
    assert change(96.9, 100, "zh") == "▼3.1%"
    assert change(1_284_530, 1_142_870, "en") == "▲ 12.4%"
    # Nothing to compare with: "n/a" / "无", never a division by zero or "inf%".
    assert change(5, 0, "en") == "n/a"
    assert change(5, None, "en") == "n/a"
    assert change(5, None, "zh") == "无"
    # Rounds to zero: no arrow.
    assert change(100.001, 100, "en") == "0.0%"
    assert change(100, 100, "zh") == "0.0%"
    # Against a negative base the direction follows the value: -50 -> -25 is an improvement.
    assert change(-25, -50, "en") == "▲ 50.0%"


def test_date_short() -> None:
    d = date(2026, 11, 27)
    assert date_short(d, "en") == "Fri 27 Nov"
    assert date_short(d, "en-GB") == "Fri 27 Nov"
    assert date_short(d, "zh") == "11月27日 周五"
    assert date_short(date(2026, 12, 1), "zh-CN") == "12月1日 周二"
    # a day of another year than today's carries its year; this year's does not
    assert date_short(date(2017, 6, 1), "en", today=d) == "Thu 1 Jun 2017"
    assert date_short(date(2017, 6, 1), "zh", today=d) == "2017年6月1日 周四"
    assert date_short(d, "en", today=date(2026, 1, 1)) == "Fri 27 Nov"
