"""reports/feedback_themes.py: words and phrases cut from comments in English and Chinese, grouping, naming,
quotes that say the theme (never the opposite), the trend, and the per-period cache."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import delete, insert, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from db import feedback_cache as result_cache
from db.feedback import Comment
from db.models import Feedback
from reports import feedback_themes as ft


def _items(rows: list[tuple[int | None, str]], day: date = date(2026, 10, 10)) -> list[Comment]:
    return [Comment(i + 1, "Acme", rating, 5, text, day) for i, (rating, text) in enumerate(rows)]


def test_phrases_keep_negations_and_spellings_together() -> None:
    assert {"stop", "stop work"} <= ft.phrases("It stopped working after a week.")
    assert {"stop", "stop work"} <= ft.phrases("stops working every night")
    assert "not understand" in ft.phrases("Alexa doesn’t understand my daughter")
    assert "understand" not in ft.phrases("Alexa doesn’t understand my daughter")  # negated, not the word
    assert "wifi" in ft.phrases("keeps dropping the Wi-Fi") and "wifi" in ft.phrases("internet keeps failing")
    assert {"早餐", "噪音"} <= ft.phrases("早餐很一般，房间很吵")  # 吵 is merged into 噪音 by the vocabulary
    assert "不太干净" in ft.phrases("房间不太干净") and "干净" not in ft.phrases("房间不太干净")


def test_a_clause_that_says_the_opposite_is_not_counted_on_that_side() -> None:
    text = "房间太小了。早餐不错。"
    assert "早餐" in ft.phrases(text) and "早餐" not in ft.phrases(text, ft.COMPLAINT)
    assert "早餐" in ft.phrases(text, ft.PRAISE)


def test_themes_are_grouped_named_as_customers_write_and_quoted_truthfully() -> None:
    items = _items(
        [
            (1, "It stopped working after two weeks. Really sad."),
            (2, "Stopped working, had to return it"),
            (1, "stopped working again, useless"),
            (2, "The wifi keeps dropping."),
            (1, "wifi drops every day"),
            (2, "Delivery was on time, thanks. But the wifi is terrible."),
            (5, "Great sound, easy setup"),
            (5, "Love the sound"),
            (4, "easy setup and great sound"),
            (5, "Wifi was fine and delivery was on time"),
        ]
    )
    found = ft.discover(items)
    complaints = {th.name: th for th in found[ft.COMPLAINT]}
    assert {"stopped working", "wifi"} <= set(complaints)  # "stop" and "stop work" are one theme
    assert complaints["stopped working"].count == 3 and complaints["wifi"].count == 3
    assert complaints["wifi"].mentions == 4  # the happy "Wifi was fine" mentions it too
    assert complaints["wifi"].avg_stars == (2 + 1 + 2 + 5) / 4
    # Newest first, a sentence that has the theme's words and a complaint's tone, never "on time, thanks".
    assert complaints["wifi"].quote == "But the wifi is terrible."
    assert complaints["stopped working"].quote == "stopped working again, useless"
    praise = {th.name for th in found[ft.PRAISE]}
    assert {"great sound", "easy setup"} <= praise  # the longer phrase names a theme when it covers half


def test_a_theme_quotes_nothing_rather_than_the_opposite() -> None:
    items = _items([(2, "Delivery on time. Support is slow"), (1, "Delivery was on time! support slow, again")])
    found = ft.discover(items)
    assert [th.name for th in found[ft.COMPLAINT]] == ["support"]  # delivery was praised, even in bad reviews
    assert found[ft.COMPLAINT][0].quote == "support slow, again"


def test_chinese_themes_with_counts_and_trend() -> None:
    now = _items(
        [
            (2, "房间很吵，隔音太差"),
            (1, "隔音差，一晚没睡好"),
            (2, "前台态度很差"),
            (2, "前台办理入住太慢"),
            (5, "早餐丰富"),
            (5, "早餐很丰富，位置方便"),
        ]
    )
    before = _items([(2, "隔音不好")], day=date(2026, 9, 10))
    found = ft.discover(now, before)
    noise = next(th for th in found[ft.COMPLAINT] if th.name == "隔音")
    assert (noise.count, noise.previous) == (2, 1)
    assert {th.name for th in found[ft.COMPLAINT]} == {"隔音", "前台"}
    breakfast = found[ft.PRAISE][0]
    assert (breakfast.name, breakfast.count, breakfast.quote) == ("早餐", 2, "早餐很丰富，位置方便")


def test_the_period_cache_is_refreshed_when_feedback_arrives(engine: Engine) -> None:
    ft.clear_cache()

    def add(i: int, text: str) -> None:
        row = dict(
            team_id="T1",
            source="t",
            external_id=f"E{i}",
            account="Acme",
            rating=1,
            scale=5,
            received_on=date(2026, 10, 2 + i),
            comment=text,
            created_at=datetime(2026, 10, 2 + i, tzinfo=UTC),
        )
        with engine.begin() as conn:
            conn.execute(insert(Feedback.__table__), [row])  # type: ignore[attr-defined]

    add(1, "battery dies within hours")
    add(2, "battery is dead")
    with Session(engine) as session:
        first = ft.themes_of_period(session, "T1", date(2026, 10, 1), date(2026, 11, 1), date(2026, 9, 1))
        again = ft.themes_of_period(session, "T1", date(2026, 10, 1), date(2026, 11, 1), date(2026, 9, 1))
    assert again is first and [th.count for th in first.complaints] == [2]
    add(3, "battery swollen")
    with Session(engine) as session:
        fresh = ft.themes_of_period(session, "T1", date(2026, 10, 1), date(2026, 11, 1), date(2026, 9, 1))
    assert fresh is not first and [(th.name, th.count) for th in fresh.complaints] == [("battery", 3)]


def test_themes_are_kept_in_the_database_for_every_process_until_their_feedback_changes(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new process (memory emptied) reads the themes another one found, without reading the comments again;
    a comment edited in place (as a re-import does), a deletion or a new item of the period makes them stale at
    once, while feedback of another period does not."""
    ft.clear_cache()
    october, september = (date(2026, 10, 1), date(2026, 11, 1)), date(2026, 9, 1)
    rows = [
        dict(team_id="T1", source="t", external_id=f"E{i}", account="Acme", rating=1, scale=5,
             received_on=date(2026, 10, 2 + i), comment=text, created_at=datetime(2026, 10, 2, tzinfo=UTC))
        for i, text in enumerate(["battery dies within hours", "battery is dead", "screen cracked", "battery swollen"])
    ]
    with engine.begin() as conn:
        conn.execute(insert(Feedback.__table__), rows)  # type: ignore[attr-defined]

    def themes() -> list[tuple[str, int]]:
        ft.clear_cache()  # a new process: nothing in memory
        with Session(engine) as session:
            found = ft.themes_of_period(session, "T1", *october, september)
        return [(th.name, th.count) for th in found.complaints]

    assert themes() == [("battery", 3)]
    with Session(engine) as session:
        assert result_cache.cached_results(session, "T1") == 1
    found_again = []
    real = ft.discover
    monkeypatch.setattr(ft, "discover", lambda *a, **k: found_again.append(1) or real(*a, **k))
    assert themes() == [("battery", 3)] and found_again == []  # read from the database
    with engine.begin() as conn:  # feedback of December: October's themes stay valid
        conn.execute(insert(Feedback.__table__), [{**rows[0], "external_id": "D1", "received_on": date(2026, 12, 1)}])
    assert themes() == [("battery", 3)] and found_again == []
    with engine.begin() as conn:  # a re-import edits a comment in place
        conn.execute(update(Feedback).where(Feedback.external_id == "E3").values(comment="screen cracked again"))
    assert themes() == [("battery", 2), ("screen cracked", 2)] and found_again == [1]
    with engine.begin() as conn:
        conn.execute(delete(Feedback).where(Feedback.external_id == "E0"))
    assert themes() == [("screen cracked", 2)] and found_again == [1, 1]
