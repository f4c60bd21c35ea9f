"""/review end to end over signed requests and scheduled ticks against the fake Slack, on SQLite and PostgreSQL.

Maria manages Alice (UTC, English) and 张三 (Shanghai, Chinese). It is Thursday 26 Nov 2026, 10:00 UTC (18:00 in
Shanghai). A round for October asks Alice now and 张三 at 09:00 his time the next morning, each with their own
figures; one reminder goes to whoever has not answered; when the round closes Maria gets the review — a message
and the same content as a PDF, whose text is read back with pypdf.
"""

import io
from datetime import UTC, date, datetime, timedelta

import pypdf
from sqlalchemy import insert
from sqlmodel import Session, select

from db.models import CheckinRun, Deal, Delivery, ReviewAction, ReviewRound, Target
from tests.handlers.test_feedback import seed as seed_people
from tests.slack_driver import SlackDriver, message_text

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def seed(slack: SlackDriver) -> dict[str, int]:
    ids = seed_people(slack)
    rows = []
    for i, (owner, status, cents, day) in enumerate([
        ("alice", "won", 3_000_000, date(2026, 10, 5)),
        ("alice", "won", 1_500_000, date(2026, 10, 20)),
        ("alice", "lost", 900_000, date(2026, 10, 21)),
        ("zhang", "won", 2_000_000, date(2026, 10, 8)),
        ("zhang", "lost", 700_000, date(2026, 10, 9)),
        ("zhang", "lost", 800_000, date(2026, 10, 30)),
        ("alice", "won", 5_000_000, date(2026, 11, 3)),  # November: not in October's figures
    ]):
        rows.append(dict(team_id=slack.team_id, source="t", external_id=f"R{i}", owner_id=ids[owner],
                         account="Cancity" if owner == "alice" else "Isdom", product="GTX", status=status, stage="x",
                         amount_cents=cents, currency="USD", created_date=day - timedelta(days=20), close_date=day))
    with slack.deps.engine.begin() as conn:
        conn.execute(insert(Deal.__table__), rows)  # type: ignore[attr-defined]
    with Session(slack.deps.engine) as session:
        session.add(Target(team_id=slack.team_id, member_id=ids["alice"], metric="revenue",
                           period_start=date(2026, 10, 1), period_end=date(2026, 11, 1), value_cents=5_000_000))
        session.commit()
    return ids


def dms(slack: SlackDriver, user: str) -> list[str]:
    channel = "D" + user.lstrip("U")
    return [message_text(c.args) for c in slack.fake.successful("chat.postMessage") if c.args.get("channel") == channel]


def reply(slack: SlackDriver, text: str, user: str = "UMANAGER") -> str:
    slack.command("/review", text, user=user)
    return slack.last_response_text()


def pdf_text(upload: dict) -> str:
    content = upload["content"]
    assert content.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def test_a_round_asks_reminds_once_and_closes_with_the_review_and_its_pdf(slack: SlackDriver) -> None:
    seed(slack)
    started = reply(slack, "start last month")
    assert "Review round for *October 2026" in started and "2 reps are asked" in started
    assert "Alice Chen — now" in started and "张三 — Fri 27 Nov 09:00 (Asia/Shanghai)" in started

    # Alice is asked at once, with her own October figures from the KPI engine; 张三 (18:00 his time) is not yet.
    assert slack.tick(NOW + timedelta(minutes=1)).sent == 1
    greeting = dms(slack, "UALICE")[0]
    assert "Maria Lopez asks you to look back on *October 2026*" in greeting
    assert "Your October 2026: US$45,000.00 won of US$50,000.00 target (90%) · win rate 67% · 2 deals won" in greeting
    assert "1/4 — Looking back on October 2026 (1–31 Oct): what worked well?" in greeting
    assert dms(slack, "UZHANG") == []

    # She answers like a check-in (one message per question, `skip` allowed): thanks, no copy per answer.
    for answer in ["Closing <!channel> demos fast", "Procurement at Cancity", "skip", "A product specialist"]:
        slack.dm(answer, user="UALICE")
    assert "Thanks! Maria Lopez will see your answers" in dms(slack, "UALICE")[-1]
    assert dms(slack, "UMANAGER") == []

    # 09:00 in Shanghai: 张三 is asked in Chinese with his figures (no target set).
    assert slack.tick(datetime(2026, 11, 27, 1, 1, tzinfo=UTC)).sent == 1
    zh = dms(slack, "UZHANG")[0]
    assert "2026年10月" in zh and "1/4" in zh and "赢单率 33%" in zh and "无目标" in zh

    # One reminder a day before his deadline, only to him, only once.
    slack.tick(datetime(2026, 11, 29, 1, 2, tzinfo=UTC))
    slack.tick(datetime(2026, 11, 29, 1, 3, tzinfo=UTC))
    assert sum("⏰" in m for m in dms(slack, "UZHANG")) == 1
    assert not any("⏰" in m for m in dms(slack, "UALICE"))

    # Actions recorded meanwhile: one overdue by the time the review comes, one done, one open.
    saved = reply(slack, 'action "Call every lost deal over 50k" <@UALICE> by 2026-11-28')
    assert "Action #" in saved and "Call every lost deal over 50k — Alice Chen · due Sat 28 Nov 2026" in saved
    reply(slack, 'action "Price list in Chinese" <@UZHANG> by 2027-01-15')
    third = reply(slack, 'action "Win back Isdom"')
    done_id = third.split("#", 1)[1].split(" ", 1)[0]
    assert "is done" in reply(slack, f"done {done_id}")

    slack.command("/incentive", "plan set rate 5% bonus 1k")  # earnings of the period join the review

    # The round closes (opened + 4 days): Maria gets the review once, as a message and as a PDF.
    slack.tick(datetime(2026, 11, 30, 10, 1, tzinfo=UTC))
    slack.tick(datetime(2026, 11, 30, 10, 2, tzinfo=UTC))
    reviews = [m for m in dms(slack, "UMANAGER") if "Monthly review" in m]
    assert len(reviews) == 1
    text = reviews[0]
    assert "Monthly review · October 2026" in text
    assert "Numbers vs targets" in text and "Revenue US$65,000.00" in text
    assert "Market" in text and "Customer feedback" in text and "No training was held" in text
    assert "Reflections (1 of 2 answered)" in text
    assert "• Worked: Closing &lt;!channel&gt; demos fast" in text  # the rep's words cannot ping anyone
    assert "• Will change: _skipped_" in text and "• Needs: A product specialist" in text
    assert "*张三* — US$20,000.00 won (no target) · win rate 33% · 1 deal won" in text
    assert "_did not answer_" in text
    assert "Call every lost deal over 50k — Alice Chen · due Sat 28 Nov 2026 · ⚠ overdue" in text
    assert "Price list in Chinese — 张三 · due Fri 15 Jan 2027 · open" in text
    assert "Win back Isdom · done ✅" in text
    assert "*Incentives*" in text and "Alice Chen — US$2,250.00 · revenue US$45,000.00 · 90% of target" in text

    uploads = [u for u in slack.fake.uploads() if u["name"].endswith(".pdf")]
    assert len(uploads) == 1 and uploads[0]["channel_id"] == "DMANAGER"
    pdf = pdf_text(uploads[0])
    for same in ["Monthly review · October 2026", "Reflections (1 of 2 answered)", "Closing <!channel> demos fast",
                 "张三", "Call every lost deal over 50k", "overdue", "US$45,000.00", "Incentives", "US$2,250.00"]:
        assert same in pdf, same

    with Session(slack.deps.engine) as session:
        assert len(session.exec(select(ReviewRound)).all()) == 1
        assert sorted(r.status for r in session.exec(select(CheckinRun))) == ["completed", "missed"]
        kinds = [d.kind for d in session.exec(select(Delivery).where(Delivery.status == "sent"))]
        assert sorted(kinds) == ["review", "review_ask", "review_ask", "review_reminder"]
    assert "already open" in reply(slack, "start last month")  # once per period


def test_scheduled_quarterly_review_opens_when_the_quarter_ends(slack: SlackDriver) -> None:
    seed(slack)
    on = reply(slack, "schedule quarterly")
    assert "The quarterly review is on" in on and "your 2 reps" in on and "Q4 2026" in on
    assert slack.tick(NOW + timedelta(days=1)).sent == 0  # Q4 has not ended
    # 1 Jan 2027 09:00 UTC (Alice's morning; 17:00 in Shanghai): the Q4 round opens; Alice is asked.
    slack.tick(datetime(2027, 1, 1, 9, 1, tzinfo=UTC))
    assert "1/4 — Looking back on Q4 2026" in dms(slack, "UALICE")[0]
    slack.tick(datetime(2027, 1, 2, 1, 1, tzinfo=UTC))
    assert "第四季度" in dms(slack, "UZHANG")[0]
    slack.tick(datetime(2027, 1, 5, 9, 2, tzinfo=UTC))
    assert sum("Quarterly review · Q4 2026" in m for m in dms(slack, "UMANAGER")) == 1
    assert "The quarterly review is off" in reply(slack, "schedule quarterly off")


def test_review_now_in_chinese_with_its_pdf_and_bad_input(slack: SlackDriver) -> None:
    seed(slack)
    reply(slack, "start last month")
    slack.tick(NOW + timedelta(minutes=1))
    slack.dm("演示做得快", user="UALICE")
    text = reply(slack, "上个月")
    assert "月度回顾" in text and "复盘" in text
    pdf = pdf_text([u for u in slack.fake.uploads() if u["name"].endswith(".pdf")][-1])
    assert "月度回顾" in pdf and "演示做得快" in pdf and "复盘" in pdf
    assert "neither" in reply(slack, "last 30 days") and "/review Q4" in reply(slack, "last 30 days")
    assert "I understood" in reply(slack, "lsat quater") or "not" in reply(slack, "lsat quater")
    assert "Only managers" in reply(slack, "Q4", user="UALICE")
    assert "Put it in quotes" in reply(slack, "action call them all")
    assert "could not read the due date" in reply(slack, 'action "x" by someday-soon')
    assert "no action #999" in reply(slack, "done 999")
    with Session(slack.deps.engine) as session:
        assert session.exec(select(ReviewAction)).all() == []


def test_a_manager_of_one_rep_reads_one_rep_in_the_review_messages(slack: SlackDriver) -> None:
    ids = seed(slack)
    with Session(slack.deps.engine) as session:
        from db.models import Member

        zhang = session.get(Member, ids["zhang"])
        assert zhang is not None
        zhang.manager_id = None
        session.add(zhang)
        session.commit()
    on = reply(slack, "schedule monthly")
    assert "your 1 rep gets the reflection questions" in on and "1 reps" not in on
    started = reply(slack, "start last month")
    assert "1 rep is asked to reflect by DM" in started and "1 reps" not in started
