"""What the other checks add to the 1:1 brief and the weekly digest: review actions, trainings ahead, competitors
a rep meets, and a warning when the deal data is old or ends before the period (both databases, en/zh)."""

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from db import clock
from db.importers import import_file
from db.models import Deal, ExchangeRate, ImportRun, Member
from reports.formatting import date_short
from tests.slack_driver import SlackDriver


@pytest.fixture
def team(slack: SlackDriver) -> SlackDriver:
    slack.fake.add_user("UMANAGER", "Maria Lopez", tz="UTC")
    slack.fake.add_user("UALICE", "Alice Wong", tz="UTC")
    slack.fake.add_user("UBOB", "Bob Stone", tz="UTC")
    slack.command("/salesbot", "help", user="UALICE")
    slack.command("/salesbot", "help", user="UBOB")
    return slack


def _member_id(slack: SlackDriver, user: str) -> int:
    with Session(slack.deps.engine) as session:
        return session.exec(select(Member.id).where(Member.slack_user_id == user)).one()  # type: ignore[return-value]


def _lost_to(slack: SlackDriver, member_id: int, competitor: str, cents: int, currency: str, n: int) -> None:
    today = clock.now().date()
    with Session(slack.deps.engine) as session:
        session.add_all([
            Deal(team_id="T0001", external_id=f"{competitor}-{currency}-{i}", name=f"Lost {i}", owner_id=member_id,
                 account="Isdom", status="lost", amount_cents=cents, currency=currency, competitor=competitor,
                 created_date=today - timedelta(days=40), close_date=today - timedelta(days=10))
            for i in range(n)
        ])
        session.commit()


def test_the_brief_shows_the_reps_review_actions_training_ahead_and_competitors(team: SlackDriver) -> None:
    slack = team
    today = clock.now().date()
    alice = _member_id(slack, "UALICE")
    slack.command("/checkin", "schedule <@UALICE> weekly on friday at 16:00")
    # two lost to Acme in US$ and one in euros at 1.10: converted, never added one for one
    _lost_to(slack, alice, "Acme Corp", 1_000_000, "USD", 2)
    _lost_to(slack, alice, "Acme Corp", 1_000_000, "EUR", 1)
    with Session(slack.deps.engine) as session:
        session.add(ExchangeRate(team_id="T0001", currency="EUR", to_currency="USD",
                                 valid_from=today - timedelta(days=365), rate_micros=1_100_000))
        session.commit()
    slack.command("/market", "competitors add Globex")
    yesterday = today - timedelta(days=1)
    slack.command("/review", f'action "Win back Isdom" <@UALICE> by {yesterday.isoformat()}')
    slack.command("/review", f'action "Call Bob\'s lost deals" <@UBOB> by {(today + timedelta(days=9)).isoformat()}')
    in_three = today + timedelta(days=3)
    slack.command("/training", f'log "Negotiation workshop" <@UALICE> on {in_three.isoformat()}')

    slack.command("/checkin", "brief <@UALICE>")
    text = slack.last_response_text()
    assert "Review actions: #1 Win back Isdom · due" in text and "⚠ overdue" in text
    assert "Call Bob" not in text  # another rep's action is not in Alice's brief
    assert f"Training ahead for Alice Wong: Negotiation workshop on {date_short(in_three, 'en')} (1 attending)" in text
    assert "Competitors (last 90 days): lost 3 to Acme Corp (US$31K)" in text

    slack.fake.add_user("UMANAGER", "王经理", tz="UTC", locale="zh-CN")
    slack.command("/checkin", "简报 <@UALICE>")
    text = slack.last_response_text()
    assert "复盘行动：#1 Win back Isdom" in text and "输给 Acme Corp 3 单" in text and "近期的培训" in text


def test_a_competitor_whose_deals_have_no_rate_is_not_shown_as_zero_money(team: SlackDriver) -> None:
    """A first day with euro deals and no EUR rate yet: the brief says what was left out instead of "(US$0)",
    and a competitor named by the CRM data cannot ping or link."""
    slack = team
    alice = _member_id(slack, "UALICE")
    hostile = "<!channel> Evil <https://evil.example|click> & Co"
    _lost_to(slack, alice, hostile, 5_000_000, "EUR", 1)
    slack.command("/checkin", "brief <@UALICE>")
    line = next(x for x in slack.last_response_text().splitlines() if x.startswith("Competitors"))
    assert "lost 1 to &lt;!channel&gt; Evil" in line and "&amp; Co" in line and "<!" not in line
    assert "(US$0)" not in line and "1 deal in € (€50,000.00) left out" in line, line


def test_the_digest_lists_open_review_actions_and_trainings_of_the_coming_week(team: SlackDriver) -> None:
    slack = team
    today = clock.now().date()
    slack.command("/digest", "preview")
    before = slack.last_response_text()
    assert "Review actions" not in before and "Training ahead" not in before  # nothing to say, nothing said

    slack.command("/review", f'action "Win back Isdom" <@UALICE> by {(today - timedelta(days=2)).isoformat()}')
    slack.command("/review", 'action "Refresh the pricing sheet"')
    slack.command("/training", f'log "Demo skills" <@UALICE> <@UBOB> on {(today + timedelta(days=2)).isoformat()}')
    slack.command("/training", f'log "Far away" <@UALICE> on {(today + timedelta(days=30)).isoformat()}')
    slack.command("/digest", "preview")
    text = slack.last_response_text()
    assert "Review actions: 2 open, 1 overdue — #1 Win back Isdom — Alice Wong" in text
    assert "Refresh the pricing sheet" not in text  # the overdue ones are shown first, and only they when any
    assert "Training ahead: Demo skills on" in text and "(2 attending)" in text and "Far away" not in text

    slack.command("/review", "done 1")
    slack.command("/digest", "preview")
    assert "Review actions: 1 open — #2 Refresh the pricing sheet" in slack.last_response_text()


CSV = """Opportunity ID,Opportunity Name,Account Name,Stage,Amount,Close Date,Created Date,Opportunity Owner
OPP-1,Big one,Isdom,Closed Won,12000,{closed},{created},Alice Wong
OPP-2,Other,Cancity,Prospecting,5000,{close},{created},Alice Wong
"""


def test_no_deal_data_at_all_is_said_in_the_brief_and_the_scheduled_digest(team: SlackDriver) -> None:
    """Day one, check-ins scheduled and a digest subscribed before any import: the brief and the channel's digest
    say there is no deal data yet and how to bring it, instead of zeros with no word of why."""
    slack = team
    slack.command("/checkin", "schedule <@UALICE> weekly on friday at 16:00")
    slack.command("/checkin", "brief <@UALICE>")
    assert "⚠ No deal data yet: import the CRM export (`/salesbot import`)" in slack.last_response_text()
    today = clock.now().date()
    digest = build_digest_text(slack, today)
    assert "⚠ No deal data yet" in digest
    import_file(slack.deps.engine, "deals", CSV.format(closed=(today - timedelta(days=3)).isoformat(),
                                                       created=(today - timedelta(days=30)).isoformat(),
                                                       close=(today + timedelta(days=30)).isoformat()).encode(),
                filename="crm-export.csv", team_id="T0001")
    assert "No deal data yet" not in build_digest_text(slack, today)


def build_digest_text(slack: SlackDriver, today: object) -> str:
    """The weekly digest as the channel would get it."""
    from reports.digest import build_digest, digest_lines

    with Session(slack.deps.engine) as session:
        d = build_digest(session, team_id="T0001", cadence="weekly", today=today, language="en")
    return "\n".join(digest_lines(d, timezone="UTC"))


def test_old_deal_data_is_said_in_the_digest_and_the_brief(team: SlackDriver) -> None:
    """A workspace whose export ends long ago gets zeros, and is told why; data imported weeks ago is flagged."""
    slack = team
    slack.command("/checkin", "schedule <@UALICE> weekly on friday at 16:00")
    old = CSV.format(closed="2017-06-30", created="2017-03-01", close="2017-12-31").encode()
    import_file(slack.deps.engine, "deals", old, filename="maven.csv", team_id="T0001")
    slack.command("/digest", "preview")
    text = slack.last_response_text()
    assert "⚠ The deal data ends on" in text and "2017" in text and "so this period's figures are zero" in text
    assert "30 Jun 2017" in text and "31 Dec" not in text  # the last *closed* deal, not the open one's expected close
    slack.command("/checkin", "brief <@UALICE>")
    assert "⚠ The deal data ends on" in slack.last_response_text()

    # Current data, but brought in 12 days ago and no CRM connected: the digest says how old it is.
    today = clock.now().date()
    fresh = CSV.format(closed=(today - timedelta(days=3)).isoformat(), created=(today - timedelta(days=30)).isoformat(),
                       close=(today + timedelta(days=30)).isoformat()).encode()
    import_file(slack.deps.engine, "deals", fresh, filename="crm-export.csv", team_id="T0001")
    slack.command("/digest", "preview")
    assert "Deal data last updated" not in slack.last_response_text() and "ends on" not in slack.last_response_text()
    with Session(slack.deps.engine) as session:
        for run in session.exec(select(ImportRun)).all():
            run.finished_at = clock.now() - timedelta(days=12)
            session.add(run)
        session.commit()
    slack.command("/digest", "preview")
    text = slack.last_response_text()
    assert "⚠ Deal data last updated" in text and "(12 days ago, file crm-export.csv)" in text
