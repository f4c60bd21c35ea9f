"""Shout-outs: when a rep passes a revenue target, one short message in the team channel the manager chose.

Checked at every scheduler tick (so within 30 s of an import, a CRM sync or a deal won), only for workspaces that
turned it on (`/incentive shoutouts on #sales`). The ledger key is (target, the target period's start, the rep):
once per rep, period and target, across restarts and instances; a target set again for the same period is the
same row, so it is not announced twice.
"""

import logging
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from db import deliveries
from db import incentives as store
from db.models import Workspace
from handlers.context import Deps
from handlers.jobs import DueDelivery
from reports.kpi_engine import Scope, reporting_currency
from reports.shoutouts import Passed, passed, shoutout_text

log = logging.getLogger("salesbot.incentive")

KIND = "incentive_shoutout"


class Shoutouts:
    kind = KIND
    grace = timedelta(days=400)  # the occurrence is the period's start: a year's target can be passed in December

    def due(self, session: Session, now: datetime) -> list[DueDelivery]:
        out: list[DueDelivery] = []
        for setting in store.shoutout_teams(session):
            workspace = session.get(Workspace, setting.team_id)
            today = now.astimezone(ZoneInfo(workspace.timezone if workspace else "UTC")).date()
            found = passed(session, setting.team_id, today)
            if not found:
                continue
            done = deliveries.delivered_keys(session, kind=self.kind, schedule_ids=sorted({p.target_id for p in found}),
                                             since=datetime.combine(min(p.start for p in found), time(0), UTC))
            for p in found:
                occurrence = datetime.combine(p.start, time(0), UTC)
                recipient = p.slack_user_id or f"m{p.member_id}"
                if (p.target_id, occurrence.replace(tzinfo=None), recipient) in done:
                    continue
                out.append(DueDelivery(setting.team_id, self.kind, p.target_id, occurrence, recipient, {
                    "member_id": p.member_id, "name": p.name, "slack_user_id": p.slack_user_id,
                    "start": p.start.isoformat(), "end": p.end.isoformat(), "revenue": p.revenue,
                    "target": p.target}))
        return out

    def deliver(self, item: DueDelivery, client: Any, deps: Deps) -> None:
        with Session(deps.engine) as session:
            setting = store.shoutouts(session, item.team_id)
            if setting is None or not setting.enabled or not setting.channel_id:
                return  # turned off meanwhile
            workspace = session.get(Workspace, item.team_id)
            lang = workspace.language if workspace is not None else deps.language
            fiscal = workspace.fiscal_year_start_month if workspace is not None else 1
            currency = reporting_currency(session, Scope(item.team_id))
            channel = setting.channel_id
        p = item.payload
        found = Passed(item.schedule_id, p["member_id"], p["slack_user_id"], p["name"],
                       datetime.fromisoformat(p["start"]).date(), datetime.fromisoformat(p["end"]).date(),
                       p["revenue"], p["target"])
        client.chat_postMessage(channel=channel, text=shoutout_text(found, currency, lang, fiscal))

    def on_failed(self, item: DueDelivery, reason: str, client: Any, deps: Deps) -> None:
        log.warning("shout-out for target %s failed for good: %s", item.schedule_id, reason)
