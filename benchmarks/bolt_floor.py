"""The floor salesbot's /kpi is measured against: a bare Bolt app with one SQL sum, and no salesbot code.

What Slack's own framework costs on this machine: waitress with 32 threads, Bolt's WSGI adapter and signature
check, one `/kpi` listener in the form Bolt recommends for work that must not hold up the ack (an ack function
and a lazy listener, on Bolt's default listener executor), and one SQL sum over the same 1M-deal SQLite table
(won deals of last quarter, on the covering index), posted to `response_url`. The benchmark drives it with the
same signed requests and the same fake Slack as salesbot, in the same run, so every salesbot figure can be
given as a ratio to this one. Only the standard library, slack_bolt, slack_sdk and waitress are imported here.
"""

import sqlite3
import threading
from datetime import date, timedelta
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

_SUM = (
    "SELECT coalesce(sum(amount_cents), 0), count(*) FROM deal "
    "WHERE team_id = ? AND status = 'won' AND close_date >= ? AND close_date < ?"
)


def last_quarter(today: date) -> tuple[date, date]:
    """[start, end) of the calendar quarter before the one `today` is in."""
    this = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    before = this - timedelta(days=1)
    return date(before.year, 3 * ((before.month - 1) // 3) + 1, 1), this


def make_floor_app(db_path: str, *, signing_secret: str, token: str, api_url: str, team_id: str,
                   today: date) -> Any:
    """The WSGI callable of the bare Bolt app (serve it in waitress with 32 threads)."""
    local = threading.local()

    def connection() -> sqlite3.Connection:
        con = getattr(local, "con", None)
        if con is None:
            con = local.con = sqlite3.connect(db_path, timeout=30)
        return con

    start, end = last_quarter(today)
    app = App(signing_secret=signing_secret, client=WebClient(token=token, base_url=api_url),
              token_verification_enabled=False)

    def ack_kpi(ack: Any) -> None:
        ack()

    def answer_kpi(respond: Any) -> None:
        cents, deals = connection().execute(_SUM, (team_id, start.isoformat(), end.isoformat())).fetchone()
        respond(text=f"Revenue last quarter: {cents // 100:,}.{cents % 100:02d} ({deals:,} deals won)",
                response_type="ephemeral")

    app.command("/kpi")(ack=ack_kpi, lazy=[answer_kpi])
    return SlackRequestHandler(app)


def floor_executor(handler: Any) -> Any:
    """The floor app's listener executor (to wait until its answers are out)."""
    return handler.app.listener_runner.listener_executor
