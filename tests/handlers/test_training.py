"""/training over signed requests on SQLite and PostgreSQL: a manager logs trainings with attendees (English and
Chinese), everyone sees the plan, and the effect compares attendees before/after with the reps who did not attend —
checked against an independent pandas computation — and says when there is too little to conclude."""

from datetime import UTC, date, datetime, timedelta

import pandas as pd
from sqlalchemy import insert
from sqlmodel import Session

from db.models import Deal, Member
from tests.handlers.test_feedback import seed as seed_people
from tests.slack_driver import SlackDriver, ack_text, message_text

TRAINING_DAY = date(2026, 8, 1)  # today is 26 Nov 2026: 90 days after it have passed
BEFORE = (TRAINING_DAY - timedelta(days=90), TRAINING_DAY)
AFTER = (TRAINING_DAY, TRAINING_DAY + timedelta(days=90))
# won out of 15 closed deals per rep and window: attendees improve, the others stay level
WON = {("alice", "before"): 6, ("alice", "after"): 9, ("zhang", "before"): 5, ("zhang", "after"): 10,
       ("bob", "before"): 8, ("bob", "after"): 8, ("carol", "before"): 7, ("carol", "after"): 8}


def seed(slack: SlackDriver) -> tuple[dict[str, int], pd.DataFrame]:
    ids = seed_people(slack)
    with Session(slack.deps.engine) as session:
        for uid, name in (("UBOB", "Bob Stone"), ("UCAROL", "Carol King")):
            slack.fake.add_user(uid, name)
            member = Member(team_id=slack.team_id, slack_user_id=uid, display_name=name)
            session.add(member)
            session.flush()
            ids[name.split()[0].lower()] = int(member.id or 0)
        session.commit()
    rows = []
    for (rep, window), won in WON.items():
        start = BEFORE[0] if window == "before" else AFTER[0]
        for i in range(15):
            close = start + timedelta(days=3 + 5 * i)
            cycle = 10 + (i * 7 + len(rep)) % 40
            rows.append(dict(team_id=slack.team_id, source="t", external_id=f"{rep}-{window}-{i}", owner_id=ids[rep],
                             account="Acme", product="GTX", status="won" if i < won else "lost", stage="x",
                             amount_cents=100_000 + 7_919 * i + 1_000 * len(rep), currency="USD",
                             created_date=close - timedelta(days=cycle), close_date=close))
    with slack.deps.engine.begin() as conn:
        conn.execute(insert(Deal.__table__), rows)  # type: ignore[attr-defined]
    frame = pd.DataFrame(rows)
    frame["rep"] = frame["external_id"].str.split("-").str[0]
    return ids, frame


def expected(frame: pd.DataFrame, reps: set[str], span: tuple[date, date]) -> tuple[float, int, float, int]:
    """(win rate %, average won deal in cents, median cycle days, closed deals) computed with pandas."""
    rows = frame[frame["rep"].isin(reps) & (frame["close_date"] >= span[0]) & (frame["close_date"] < span[1])]
    won = rows[rows["status"] == "won"]
    cycle = (pd.to_datetime(won["close_date"]) - pd.to_datetime(won["created_date"])).dt.days
    return 100 * len(won) / len(rows), round(won["amount_cents"].mean()), float(cycle.median()), len(rows)


def reply(slack: SlackDriver, text: str, user: str = "UMANAGER") -> str:
    slack.command("/training", text, user=user)
    return slack.last_response_text()


def test_the_effect_of_a_training_against_the_reps_who_did_not_attend(slack: SlackDriver) -> None:
    _, frame = seed(slack)
    logged = reply(slack, 'log "Negotiation workshop" <@UALICE> <@UZHANG> on 2026-08-01 role-play')
    assert "Logged *Negotiation workshop* (role-play) on Sat 1 Aug with <@UALICE>, <@UZHANG>" in logged
    text = reply(slack, 'effect "negotiation  workshop"')
    assert "Training effect · Negotiation workshop* (role-play, Sat 1 Aug 2026)" in text
    assert "90 days before" in text and "2 attendee(s) vs 2 other rep(s)" in text
    att_b, att_a = expected(frame, {"alice", "zhang"}, BEFORE), expected(frame, {"alice", "zhang"}, AFTER)
    oth_b, oth_a = expected(frame, {"bob", "carol"}, BEFORE), expected(frame, {"bob", "carol"}, AFTER)
    assert f"*Attendees*: win rate {att_b[0]:.1f}% → {att_a[0]:.1f}%" in text
    assert f"average deal US${att_b[1] / 100:,.2f} → US${att_a[1] / 100:,.2f}" in text
    assert f"cycle {att_b[2]:g} → {att_a[2]:g} days · closed {att_b[3]} → {att_a[3]}" in text
    assert f"*Others*: win rate {oth_b[0]:.1f}% → {oth_a[0]:.1f}%" in text
    diff = (att_a[0] - att_b[0]) - (oth_a[0] - oth_b[0])
    assert f"moved +{att_a[0] - att_b[0]:.1f} pts against +{oth_a[0] - oth_b[0]:.1f} pts" in text
    assert f"+{diff:.1f} pts difference" in text and "not proof" in text


def test_too_few_deals_or_too_early_is_said_not_concluded(slack: SlackDriver) -> None:
    seed(slack)
    reply(slack, 'log "Demo skills" <@UBOB> on 2026-10-15 online')
    small = reply(slack, 'effect "Demo skills"')
    assert "Too few deals to conclude" in small and "at least 20" in small
    reply(slack, 'log "Pricing" <@UCAROL> on 2026-11-20 expert talk')
    assert "Too early to conclude: 7 day(s) since the training" in reply(slack, 'effect "Pricing"')
    assert "No training called *Closing*" in reply(slack, 'effect "Closing"')


def test_plan_in_both_languages_and_only_managers_log(slack: SlackDriver) -> None:
    seed(slack)
    assert "Only managers can log a training" in reply(slack, 'log "X" <@UBOB> on 2026-12-03', user="UALICE")
    assert "No training planned" in reply(slack, "plan", user="UALICE")
    assert "已记录 *谈判技巧*（角色扮演）" in reply(slack, '记录 "谈判技巧" <@UZHANG> 2026-12-10 角色扮演')
    reply(slack, 'log "Product deep dive" <@UBOB> <@UCAROL> on 2026-12-03')
    again = reply(slack, 'log "product deep dive" <@UALICE> on 2026-12-03 classroom')
    assert "now has: <@UBOB>, <@UCAROL>, <@UALICE>" in again  # the same session, one more attendee
    plan = reply(slack, "plan", user="UALICE")
    assert plan.index("Product deep dive") < plan.index("谈判技巧")  # soonest first
    assert "• Thu 3 Dec — *Product deep dive* (classroom): <@UBOB>, <@UCAROL>, <@UALICE>" in plan
    zh_plan = reply(slack, "计划", user="UZHANG")
    assert "*培训计划*" in zh_plan and "角色扮演" in zh_plan
    assert "Not held yet" in reply(slack, 'effect "Product deep dive"')
    assert "before and after" in ack_text(slack.command("/training", "help"))


def test_a_training_of_another_year_is_logged_with_its_year(slack: SlackDriver) -> None:
    """A manager back-fills last June's workshop: "on Thu 1 Jun" would read as this coming June."""
    seed(slack)
    logged = reply(slack, 'log "Negotiation workshop" <@UBOB> on 2025-06-05 role-play')
    assert "on Thu 5 Jun 2025 with" in logged
    assert "2025年6月5日 周四" in reply(slack, '记录 "谈判技巧" <@UZHANG> 2025-06-05 角色扮演')
    assert "on Thu 3 Dec with" in reply(slack, 'log "Product deep dive" <@UBOB> on 2026-12-03')


def _dms(slack: SlackDriver, user: str) -> list[str]:
    return [message_text(m) for m in slack.fake.posted("D" + user.lstrip("U"))]


def test_each_attendee_is_reminded_once_the_day_before_at_their_local_morning(slack: SlackDriver) -> None:
    """Scheduled ticks against the fake Slack: 张三 (Shanghai, Chinese) at 09:00 his time, Alice (the workspace's
    UTC) at 09:00 hers, each once whatever ticks follow; reps not attending get nothing."""
    seed(slack)
    reply(slack, 'log "Negotiation workshop" <@UALICE> <@UZHANG> on 2026-12-03 role-play')
    assert slack.tick(datetime(2026, 12, 2, 0, 30, tzinfo=UTC)).sent == 0  # 08:30 in Shanghai: not yet
    assert slack.tick(datetime(2026, 12, 2, 1, 0, 30, tzinfo=UTC)).sent == 1  # 09:00 in Shanghai
    [to_zhang] = _dms(slack, "UZHANG")
    assert "📅 提醒：*Negotiation workshop*（角色扮演）" in to_zhang and "明天" in to_zhang
    assert _dms(slack, "UALICE") == []
    assert slack.tick(datetime(2026, 12, 2, 9, 0, 30, tzinfo=UTC)).sent == 1  # 09:00 UTC: Alice's morning
    [to_alice] = _dms(slack, "UALICE")
    assert "📅 Reminder: *Negotiation workshop* (role-play) is tomorrow, Thu 3 Dec." in to_alice
    assert "Attending: <@UALICE>, <@UZHANG>" in to_alice
    for moment in (datetime(2026, 12, 2, 9, 5, tzinfo=UTC), datetime(2026, 12, 3, 8, 0, tzinfo=UTC)):
        assert slack.tick(moment).sent == 0  # exactly once: the delivery ledger
    assert _dms(slack, "UBOB") == [] and len(_dms(slack, "UZHANG")) == 1


def test_a_session_logged_after_the_reminder_morning_is_reminded_at_the_next_tick(slack: SlackDriver) -> None:
    seed(slack)
    reply(slack, 'log "Product deep dive" <@UBOB> on 2026-12-03')
    assert slack.tick(datetime(2026, 12, 2, 15, 0, tzinfo=UTC)).sent == 1  # logged late: still before the day
    assert "is tomorrow, Thu 3 Dec." in _dms(slack, "UBOB")[0]
    reply(slack, 'log "Closing" <@UCAROL> on 2026-12-01')  # already past: never reminded
    assert slack.tick(datetime(2026, 12, 2, 15, 5, tzinfo=UTC)).sent == 0 and _dms(slack, "UCAROL") == []
