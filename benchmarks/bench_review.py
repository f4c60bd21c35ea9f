"""The quarterly review for 50 reps: every section composed and its PDF written (goal: under 5 s), and the
scheduled delivery when the round closes (message + PDF upload to the fake Slack).

Data: 20,000 deals over 400 days, a revenue target per rep, 2,000 feedback items, a training, and a Q3 round in
which every rep answered the four reflection questions (two lines each), plus 12 actions.
"""

import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlmodel import Session

from benchmarks import Row
from bot.app import make_deps
from bot.local_slack import LocalSlack
from bot.scheduler import Scheduler
from bot.settings import Settings
from bot.slack_client import make_client
from db import market_rollup, rollup
from db.engine import get_engine
from db.migrate import upgrade
from db.models import (
    CheckinAnswer,
    CheckinRun,
    Deal,
    Feedback,
    Member,
    ReviewAction,
    Target,
    TrainingAttendee,
    TrainingSession,
    Workspace,
)
from db.reviews import open_round
from handlers.review import ReviewSource, build, pdf_upload
from reports.periods import Period

TEAM = "TREVIEW"
REPS = 50
Q3 = Period(date(2026, 7, 1), date(2026, 10, 1), "quarter")
OPENS = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
ANSWERS = [
    "Multi-threading the Cancity deal early; weekly pipeline clean-up with 经理. Two referrals from happy clients.",
    "Quotes took too long to approve; I lost Isdom to a cheaper competitor — 价格太高，交付周期太长.",
    "Qualify budget in the first call and send the quote within 24 hours; book demos two weeks out.",
    "A product specialist for technical demos and faster pricing approval for deals under $5k.",
]


def _build(url: str) -> None:
    engine = get_engine(url)
    upgrade(engine)
    rng = random.Random(13)
    with Session(engine) as session:
        session.add(Workspace(team_id=TEAM, name="bench", timezone="UTC"))
        manager = Member(team_id=TEAM, slack_user_id="UMGR", display_name="Maria Lopez", role="manager")
        session.add(manager)
        session.flush()
        reps = [Member(team_id=TEAM, slack_user_id=f"UR{i:03d}", display_name=f"Rep {i:02d} 销售", role="rep",
                       manager_id=manager.id) for i in range(REPS)]
        session.add_all(reps)
        session.flush()
        for n in range(20_000):
            rep = rng.choice(reps)
            closed = date(2026, 10, 1) - timedelta(days=rng.randint(-60, 340))
            status = rng.choice(["won", "won", "lost", "open"])
            session.add(Deal(team_id=TEAM, source="bench", external_id=str(n), owner_id=rep.id,
                             product=rng.choice(["GTX", "MG Advanced", "GTK 500"]), account=f"A{rng.randint(1, 60)}",
                             stage="Proposal" if status == "open" else status, status=status,
                             amount_cents=rng.randint(10_000, 2_000_000), created_date=closed - timedelta(days=30),
                             close_date=None if status == "open" else closed,
                             loss_reason=rng.choice(["Price", "Timing", "Competitor"]) if status == "lost" else ""))
        session.add_all([Target(team_id=TEAM, member_id=r.id, metric="revenue", period_start=Q3.start,
                                period_end=Q3.end, value_cents=15_000_000) for r in reps])
        for n in range(2_000):
            session.add(Feedback(team_id=TEAM, received_on=Q3.start + timedelta(days=rng.randint(-90, 91)),
                                 rating=rng.randint(1, 5), scale=5, account=f"A{rng.randint(1, 60)}",
                                 comment=rng.choice(["Delivery was late again", "Great onboarding support",
                                                     "交付又延迟了", "Price too high", "Excellent service"]),
                                 source="bench", external_id=f"F{n}", member_id=rng.choice(reps).id))
        training = TrainingSession(team_id=TEAM, topic="Negotiation workshop", topic_key="negotiation workshop",
                                   kind="role_play", day=date(2026, 8, 1))
        session.add(training)
        session.flush()
        session.add_all([TrainingAttendee(team_id=TEAM, session_id=training.id, member_id=r.id) for r in reps[:20]])
        review, _ = open_round(session, team_id=TEAM, manager_user_id="UMGR", cadence="quarterly", start=Q3.start,
                               end=Q3.end, member_ids=[int(r.id or 0) for r in reps], opens_at=OPENS)
        for rep in reps:
            run = CheckinRun(team_id=TEAM, schedule_id=review.checkin_schedule_id, member_id=rep.id, occurrence=OPENS,
                             questions=["Looking back on Q3 2026: what worked well?", "What did not work?",
                                        "What will you change next quarter?", "What do you need from me?"],
                             status="completed", current_index=4, sent_at=OPENS, deadline_at=OPENS + timedelta(days=3),
                             completed_at=OPENS + timedelta(hours=5), channel_id="D1", thread_ts="1.0")
            session.add(run)
            session.flush()
            session.add_all([CheckinAnswer(team_id=TEAM, run_id=run.id, question_index=i, text=text,
                                           answered_at=OPENS, updated_at=OPENS) for i, text in enumerate(ANSWERS)])
        session.add_all([ReviewAction(team_id=TEAM, manager_user_id="UMGR", text=f"Action {i}: call every lost deal",
                                      owner_id=reps[i].id, due_date=date(2026, 10, 1) + timedelta(days=10 * i))
                         for i in range(12)])
        session.commit()
    rollup.refresh_team(engine, TEAM)
    market_rollup.refresh_team(engine, TEAM)


def run() -> list[Row]:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'review.db'}"
        _build(url)
        with LocalSlack(team_id=TEAM) as fake:
            fake.add_user("UMGR", "Maria Lopez")
            settings = Settings(_env_file=None, database_url=url, slack_bot_token="xoxb-bench",
                                slack_signing_secret="s", slack_api_url=fake.api_url)
            deps = make_deps(settings)
            today = date(2026, 10, 6)
            pdf_upload(build(deps, TEAM, "UMGR", Q3, "quarterly", "en", today))  # warm-up: fonts, imports
            total, pdf_only, pages = [], [], 0
            for language in ("en", "zh", "en"):
                started = time.perf_counter()
                doc = build(deps, TEAM, "UMGR", Q3, "quarterly", language, today)
                middle = time.perf_counter()
                pdf = pdf_upload(doc)["file"]
                total.append(time.perf_counter() - started)
                pdf_only.append(time.perf_counter() - middle)
                pages = max(pages, pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page"))
            median = statistics.median(total)
            rows.append(Row("review", f"quarterly review, 50 reps, composed + PDF ({pages} pages, median)",
                            median * 1000, "ms", "< 5000 ms", median < 5.0))
            rows.append(Row("review", "of which the PDF", statistics.median(pdf_only) * 1000, "ms"))
            scheduler = Scheduler(deps, make_client("xoxb-bench", fake.api_url), [ReviewSource()])
            started = time.perf_counter()
            sent = scheduler.tick(OPENS + timedelta(days=4, minutes=1)).sent
            elapsed = time.perf_counter() - started
            rows.append(Row("review", "round closes: review message + PDF upload delivered (one tick)", elapsed * 1000,
                            "ms", "< 5000 ms, sent once", sent == 1 and elapsed < 5.0))
    return rows
