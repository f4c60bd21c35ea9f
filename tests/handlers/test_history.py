"""Deal history end to end, on SQLite and PostgreSQL, through the fake Slack: a manager drops four versions of
one export into the bot's DM at four moments, then asks /kpi for the pipeline on a past day (English and
Chinese), stage-to-stage conversion and time in stage, reads a rep's 1:1 brief and the weekly digest preview
(slipped and stalled deals, from history), and gets "history starts on …" for a day before the first import.
The CLI import records the same history."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from bot.cli import main
from db import clock
from db.engine import get_engine
from db.models import DealChange
from tests.history_data import MOMENTS, V1, V2, V3, csv_bytes
from tests.slack_driver import SlackDriver, message_text

# 20 Nov: Delta's close date moves out (10 Jan -> 31 Mar 2027); nothing else changes
V4 = [row.replace("2026-09-04,2027-01-10", "2026-09-04,2027-03-31") for row in V3]
MOMENT_4 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _drop(slack: SlackDriver, rows: list[str], moment: datetime) -> str:
    with clock.moved_to(moment, frozen=True):
        info = slack.fake.add_file(csv_bytes(rows), "deals.csv", user="UMANAGER", filetype="csv")
        slack.dm("", user="UMANAGER", files=[info])
    return message_text(slack.fake.calls_to("chat.postMessage")[-1].args)


@pytest.fixture
def history_team(slack: SlackDriver) -> SlackDriver:
    slack.fake.add_user("UMANAGER", "Maria Lopez")
    slack.fake.add_user("UANN", "Ann Lee")
    slack.fake.add_user("UZHANG", "张三", locale="zh-CN")
    for rows, moment in zip((V1, V2, V3, V4), (*MOMENTS, MOMENT_4), strict=True):
        assert f"Imported {len(rows)} deals" in _drop(slack, rows, moment)
    slack.command("/salesbot", 'link "Ann" <@UANN>')
    return slack


def _kpi(slack: SlackDriver, text: str, user: str = "UMANAGER") -> str:
    slack.command("/kpi", text, user=user)
    return slack.last_response_text()


def test_the_pipeline_on_a_past_day_beside_today_in_both_languages(history_team: SlackDriver) -> None:
    slack = history_team
    text = _kpi(slack, "pipeline on 2026-10-10")
    assert "Pipeline by stage · Team · 10 Oct 2026 vs today" in text
    assert "Engaging: 3 deals · US$10,000.00 → 3 deals · US$14,000.00 (▲ 40.0%)" in text
    assert "Prospecting: 2 deals · US$5,000.00 → 1 deal · US$4,000.00 (▼ 20.0%)" in text
    assert "Total: 5 deals · US$15,000.00 → 4 deals · US$18,000.00 (▲ 20.0%)" in text
    zh = _kpi(slack, "2026-10-25 的 管道")  # a manager writing Chinese gets Chinese
    assert "各阶段商机金额 · 团队 · 2026年10月25日 对比今天" in zh
    assert "Engaging：4 个商机 · US$9,000.00 → 3 个商机 · US$14,000.00" in zh
    assert "EUR" in zh  # Beta's 2,500 EUR has no rate: counted, said, not summed
    before = _kpi(slack, "pipeline on 2026-10-01")
    assert "Deal history starts on 5 Oct 2026: what happened before is not known" in before
    assert "Today's open pipeline by stage:" in before and "Engaging: 3 deals · US$14,000.00" in before
    assert "商机历史从 2026年10月5日 开始" in _kpi(slack, "截至10月1日的商机金额")


def test_conversion_and_time_in_stage(history_team: SlackDriver) -> None:
    slack = history_team
    text = _kpi(slack, "conversion this quarter")
    assert "Stage-to-stage conversion · Team" in text
    assert "*Prospecting*: 2 deals moved on — Engaging 2 (100%)" in text
    assert "*Engaging*: 2 deals moved on — won 1 (50%) · lost 1 (50%)" in text
    earlier = _kpi(slack, "conversion last quarter")
    assert "No deal changed stage in this period." in earlier
    assert "Deal history starts on 5 Oct 2026: moves before it are not known." in earlier
    times = _kpi(slack, "time in stage")
    assert "Time in stage · Team · last 90 days" in times
    assert "*Engaging*: median 21 days · longest 21 days · 1 stay" in times
    assert "2 stays that began before history started (5 Oct 2026) are not counted" in times
    zh = _kpi(slack, "本季度 阶段停留时间")
    assert "阶段停留时间 · 团队" in zh and "*Prospecting*：中位数 21 天 · 最长 21 天 · 1 次停留" in zh
    assert "阶段推进率 · 你" in _kpi(slack, "本季度 阶段推进率", user="UZHANG")  # a rep: their own
    assert "Win rate" in _kpi(slack, "conversion rate this quarter")  # still the win rate


def test_the_brief_and_the_digest_show_slipped_and_stalled_deals(history_team: SlackDriver) -> None:
    slack = history_team
    slack.command("/checkin", "brief <@UANN>")
    brief = slack.last_response_text()
    assert "Close dates moved out: 1 deal — Dyne 10 Jan 2027 → 31 Mar 2027" in brief
    assert "stalled: 1 deal with no change for 21+ days — Echo (Engaging, 52 days)" in brief
    slack.command("/digest", "preview")
    digest = slack.last_response_text()
    assert "Close dates moved out: 1 deal — Dyne 10 Jan 2027 → 31 Mar 2027" in digest  # last week: 16-22 Nov
    assert "Stalled: 2 deals with no change for 21+ days — Echo (Engaging, 52 days), Core (Engaging, 37 days)" \
        in digest


def test_stalled_deals_without_a_name_or_account_are_named_by_their_crm_id(slack: SlackDriver) -> None:
    """The Maven export's open deals have no deal name and often no account: the brief and the digest name
    them by the export's opportunity id instead of an empty space."""
    slack.fake.add_user("UMANAGER", "Maria Lopez")
    slack.fake.add_user("UANN", "Ann Lee")
    assert "Imported 1 deal*" in _drop(slack, ["1C1I7A6R,,Ann,,Engaging,2026-09-01,,,USD"], MOMENTS[0])
    slack.command("/salesbot", 'link "Ann" <@UANN>')
    slack.command("/checkin", "brief <@UANN>")
    assert "stalled: 1 deal with no change for 21+ days — 1C1I7A6R (Engaging, 52 days)" in slack.last_response_text()
    slack.command("/digest", "preview")
    assert "Stalled: 1 deal with no change for 21+ days — 1C1I7A6R (Engaging, 52 days)" in slack.last_response_text()


def test_no_history_no_stalled_line(slack: SlackDriver) -> None:
    """One import today: nothing has been watched for 21 days, so nothing is called stalled."""
    slack.fake.add_user("UMANAGER", "Maria Lopez")
    _drop(slack, V1, clock.now())
    slack.command("/digest", "preview")
    assert "Stalled" not in slack.last_response_text() and "moved out" not in slack.last_response_text()


def test_the_cli_import_records_history(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "deals.csv"
    for rows, moment in zip((V1, V2, V2), MOMENTS, strict=True):
        path.write_bytes(csv_bytes(rows))
        with clock.moved_to(moment, frozen=True):
            assert main(["import", "deals", str(path)]) == 0
    with Session(get_engine(db_url)) as session:
        counts = dict(session.exec(select(DealChange.run_id, func.count()).group_by(DealChange.run_id)).all())
    assert sorted(counts.values()) == [5, 5]  # 5 first sightings, then D1-D4 changed and D6 new; then nothing
