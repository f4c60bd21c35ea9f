"""Themes found in real reviews (../shared/data) imported through the real importer, checked against what a
reader finds and against an independent keyword count of the same reviews.

- amazon_alexa.tsv as is (3,150 reviews, 257 rated 1-2). Read by hand, the low ones say: it stopped working,
  it doesn't work, the sound, wifi/connection drops, refurbished units.
- 800 ChnSentiCorp hotel reviews (the first 400 negative and the first 400 positive, rated 2 and 5 here, one
  a day over November 2026). Read by hand, the negative ones are about the room (房间), service (服务), the
  front desk (前台), the booking site (携程), facilities (设施), breakfast (早餐) and noise (吵/隔音).

Tolerance: a theme's count is within 25% (or 3 items) of the count of reviews on its side whose text
contains its keywords, because the theme also merges spellings (wifi/wi-fi/internet) and drops clauses that
say the opposite ("早餐不错" in a bad review is not a complaint about breakfast).
"""

import csv
import io
import re
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from db.importers import import_file, resolve_team
from reports import feedback_analysis as fa
from reports import feedback_themes as ft


class Span:
    def __init__(self, start: date, end: date) -> None:
        self.start, self.end = start, end

    def previous(self) -> "Span":
        return Span(self.start - (self.end - self.start), self.start)


@cache
def _hotel_file(data: Path) -> bytes:
    with open(data / "ChnSentiCorp_htl_all.csv", encoding="utf-8", newline="") as f:
        rows = [(int(r["label"]), r["review"] or "") for r in csv.DictReader(f)]
    negative = [text for label, text in rows if label == 0 and text.strip()][:400]
    positive = [text for label, text in rows if label == 1 and text.strip()][:400]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "account", "rating", "comment"])
    for i, text in enumerate(negative + positive):
        writer.writerow(
            [(date(2026, 11, 1) + timedelta(days=i % 30)).isoformat(), f"酒店{i % 20}", 2 if i < 400 else 5, text]
        )
    return out.getvalue().encode()


NOT_WORK = (
    r"\b(doesn['’]?t|don['’]?t|won['’]?t|didn['’]?t|isn['’]?t|not|never|no longer|cannot|can['’]?t)"
    r"\s+(\w+\s+)?work"
)


NOT_UNDERSTAND = (
    r"\b(doesn['’]?t|don['’]?t|does not|do not|can['’]?t|can not|cannot|won['’]?t|didn['’]?t|not|never)\s+"
    r"(\w+\s+)?(understand|hear|recogni[sz]e)"
)


def _count(texts: list[str], pattern: str) -> int:
    regex = re.compile(pattern, re.IGNORECASE)
    return sum(1 for text in texts if regex.search(text))


def _within(found: int, expected: int) -> bool:
    return abs(found - expected) <= max(3, 0.25 * expected)


def _theme(themes: list[ft.Theme], side: str, phrase: str) -> ft.Theme:
    return next(th for th in themes if th.side == side and phrase in th.phrases)


def test_english_reviews_name_what_low_ratings_say(engine: Engine, shared_data: Path) -> None:
    team = resolve_team(engine, "T0001")
    data = (shared_data / "amazon_alexa.tsv").read_bytes()
    assert import_file(engine, "feedback", data, filename="amazon_alexa.tsv", team_id=team).inserted == 3150
    with Session(engine) as session:
        s = fa.summarise(session, team, Span(date(2018, 5, 1), date(2018, 8, 1)), today=date(2018, 8, 1))
    complaints = [th for th in s.themes if th.side == ft.COMPLAINT]
    names = [th.name for th in complaints]
    assert {"doesn't work", "sound", "stopped", "refurbished", "wifi"} <= set(names), names
    with open(shared_data / "amazon_alexa.tsv", encoding="utf-8-sig", newline="") as f:
        low = [r["verified_reviews"] for r in csv.DictReader(f, delimiter="\t") if int(r["rating"]) <= 2]
    assert len(low) == 257
    keyword_counts = {
        "not work": _count(low, NOT_WORK),
        "refurbish": _count(low, r"refurbish"),
        "wifi": _count(low, r"wi-?fi|internet"),
        "sound": _count(low, r"\bsound"),
    }
    for phrase, expected in keyword_counts.items():
        theme = _theme(s.themes, ft.COMPLAINT, phrase)
        assert _within(theme.count, expected), (phrase, theme.count, expected)
        assert theme.avg_stars is not None and theme.mentions >= theme.count
    # "It does not understand me" (issue 16) is read whole ("not understand", never "understand"), but an
    # independent count shows it is no top complaint: 6 of the 257 low reviews say it (doesn't/can't understand,
    # hear, recognise), 2 of them about something else ("Do not understand all the excitement"), against 16 or
    # more for each of the 5 complaints shown.
    not_understood = _count(low, NOT_UNDERSTAND)
    assert not_understood == 6, not_understood
    shown = complaints[:5]
    assert all(not_understood < th.count / 2 for th in shown), [(th.name, th.count) for th in shown]
    assert "not understand" in ft.phrases("It doesn’t understand most common words", ft.COMPLAINT)
    # What the happy reviews praise: music, sound, easy setup.
    praise = [th.name for th in s.themes if th.side == ft.PRAISE]
    assert {"music", "easy"} <= set(praise), praise
    _quotes_say_their_theme(s.themes)


def test_chinese_hotel_reviews_name_rooms_noise_and_front_desk(engine: Engine, shared_data: Path) -> None:
    team = resolve_team(engine, "T0001")
    result = import_file(engine, "feedback", _hotel_file(shared_data), filename="hotels.csv", team_id=team)
    assert (result.inserted, result.rejected) == (800, 0)
    with Session(engine) as session:
        s = fa.summarise(session, team, Span(date(2026, 11, 1), date(2026, 12, 1)), today=date(2026, 11, 30))
    complaints = [th for th in s.themes if th.side == ft.COMPLAINT]
    names = [th.name for th in complaints]
    assert {"房间", "服务", "前台", "设施", "早餐", "隔音"} <= set(names), names
    assert names[0] == "房间"
    rows = list(csv.DictReader(io.StringIO(_hotel_file(shared_data).decode())))
    negative = [r["comment"] for r in rows if r["rating"] == "2"]
    assert len(negative) == 400
    keyword_counts = {
        "前台": _count(negative, "前台"),
        "设施": _count(negative, "设施"),
        "噪音": _count(negative, "吵|噪音|噪声|隔音"),
        "携程": _count(negative, "携程"),
    }
    for phrase, expected in keyword_counts.items():
        theme = _theme(s.themes, ft.COMPLAINT, phrase)
        assert _within(theme.count, expected), (phrase, theme.count, expected)
    # Breakfast is complained about and praised: fewer complaints than reviews naming it, since "早餐不错" in a
    # bad review is not a complaint about breakfast.
    breakfast = _theme(s.themes, ft.COMPLAINT, "早餐")
    assert breakfast.count < _count(negative, "早餐|早饭|自助餐") and breakfast.quote and "不错" not in breakfast.quote
    praise = [th.name for th in s.themes if th.side == ft.PRAISE]
    assert {"早餐", "方便", "干净"} <= set(praise), praise
    _quotes_say_their_theme(s.themes)


def _quotes_say_their_theme(themes: list[ft.Theme]) -> None:
    for theme in themes:
        assert theme.quote, theme.name
        assert ft.quote_says(theme, theme.quote.rstrip("…")), (theme.name, theme.quote)
        tone = fa.sentiment_score(theme.quote)
        assert tone <= 0 if theme.side == ft.COMPLAINT else tone >= 0, (theme.name, theme.quote)


@pytest.fixture(autouse=True)
def _fresh_theme_cache() -> None:
    ft.clear_cache()
