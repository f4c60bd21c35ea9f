"""Live CRM sync in Slack: `/salesbot connect|disconnect <crm>`, `/salesbot sync now`, the scheduled sync, the
consent page's callback, the connections in App Home, and telling managers once when a connection breaks.

The domain is db/crm (Slack-free); this module only parses, asks it, and words the answer.
"""

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from db import clock, deliveries
from db.crm import connections
from db.crm.kinds import KINDS, OAUTH_KINDS
from db.crm.oauth import CrmApps, consent_link, finish
from db.crm.secrets import MissingKey
from db.crm.sync import sync_connection
from db.models import CrmConnection, Member
from handlers.blocks import section
from handlers.context import Deps, asker_of, deps_of
from handlers.jobs import DueDelivery, PermanentFailure
from handlers.replies import managers_only
from reports import mrkdwn
from reports.formatting import number
from reports.i18n import add_messages, language_for, msg, t

log = logging.getLogger("salesbot.crm")
NAMES = {"zoho": "Zoho CRM", "hubspot": "HubSpot", "fxiaoke": "Fxiaoke 纷享销客", "salesforce": "Salesforce"}
_CONNECT, _DISCONNECT, _SYNC = ("connect", "连接"), ("disconnect", "断开"), ("sync", "同步")

add_messages(
    msg("crm.what_connect", "connect, sync or disconnect a CRM"),
    msg("crm.consent", "Open this link to let salesbot read *{crm}* (deals and users, read only): <{url}|Connect "
        "{crm}>. The link works once, for 30 minutes. Deals then sync every {minutes} minutes."),
    msg("crm.consent_salesforce", "Open this link to let salesbot read *{crm}*: <{url}|Connect {crm}>. Salesforce "
        "gives salesbot the access of whoever allows it (salesbot only reads opportunities, their stages and users; a "
        "read-only integration user is best). The link works once, for 30 minutes. Deals then sync every {minutes} "
        "minutes."),
    msg("crm.key_connect", "*{crm}* connects with an API key from a shell: `salesbot connect {kind} --token-env "
        "VARIABLE` (the variable holds the key; it is stored encrypted)."),
    msg("crm.fxiaoke_connect", "*{crm}* connects with your self-built app (开发者模式) from a shell, where whoever "
        "runs salesbot puts the app id, the app secret and the company's permanent code (永久授权码) in environment "
        "variables: `salesbot connect fxiaoke --app-id-env FXK_APP_ID --app-secret-env FXK_APP_SECRET "
        "--permanent-code-env FXK_PERMANENT_CODE --user-id FSUID_…` (the user id is the CRM administrator salesbot "
        "reads as). They are stored encrypted; deals then sync every {minutes} minutes."),
    msg("crm.not_ready", "To connect *{crm}* from Slack, whoever runs salesbot must set {names} (README, "
        "\"Live CRM sync\")."),
    msg("crm.no_key", "Credentials are only stored encrypted, and SALESBOT_SECRET_KEY is not set: whoever runs "
        "salesbot creates one with `salesbot secret-key` and restarts (README, \"Live CRM sync\")."),
    msg("crm.which", "Which CRM? I know {kinds}. Try: `/salesbot connect zoho` · `/salesbot disconnect zoho` · "
        "`/salesbot sync now`"),
    msg("crm.disconnected", "Disconnected *{crm}*: its credentials are deleted. The deals synced so far stay; "
        "`/salesbot connect {kind}` connects it again."),
    msg("crm.not_connected", "*{crm}* is not connected."),
    msg("crm.none", "No CRM is connected. `/salesbot connect zoho` or `/salesbot connect salesforce` connects Zoho CRM "
        "or Salesforce; HubSpot and Fxiaoke connect with a key from a shell: `/salesbot connect hubspot` or "
        "`/salesbot connect fxiaoke` says how."),
    msg("crm.syncing", "Syncing {crms} now…"),
    msg("crm.result.ok", "*{crm}*: {written} deals new or changed, {removed} removed, {unchanged} unchanged."),
    msg("crm.result.skipped", "{count} records were left out: {reasons}"),
    msg("crm.result.busy", "*{crm}*: a sync is running already; its result shows in App Home."),
    msg("crm.result.broken", "*{crm}* refused salesbot's access ({error}). A manager reconnects it with "
        "`/salesbot connect {kind}`."),
    msg("crm.result.rate_limited", "*{crm}* asked salesbot to slow down; the next sync goes on from where this "
        "one stopped."),
    msg("crm.result.failed", "*{crm}*: the sync stopped ({error}); the next one goes on from where it stopped."),
    msg("crm.broken_notice", ":warning: *{crm}* stopped answering salesbot: it refused the stored access "
        "({error}). Deals no longer sync until a manager reconnects it with `/salesbot connect {kind}`."),
    msg("crm.home.title", "CRM connections"),
    msg("crm.home.line", "*{crm}* · {state} · last sync {when}"),
    msg("crm.home.never", "not yet"),
    msg("crm.state.connected", "connected"),
    msg("crm.state.pending", "waiting for consent"),
    msg("crm.state.broken", "broken: reconnect with `/salesbot connect {kind}`"),
    msg("crm.state.disconnected", "disconnected"),
    msg("crm.page.ok", "{crm} is connected to salesbot. Deals sync every {minutes} minutes; you can close this tab."),
    msg("crm.page.bad_state", "This link has expired or was already used. Ask for a new one with /salesbot connect "
        "{kind} in Slack."),
    msg("crm.page.denied", "{crm} was not connected: the consent was declined."),
    msg("crm.page.refused", "{crm} refused the connection. Ask for a new link with /salesbot connect {kind}."),
    msg("crm.page.unknown_crm", "Unknown CRM."),
    msg("crm.connected_dm", "*{crm}* is connected. The first sync starts within a minute; `/salesbot sync now` "
        "starts it at once."),
)


def apps_of(deps: Deps) -> CrmApps:
    return deps.extra.get("crm") or CrmApps()


def is_crm_verb(words: list[str]) -> bool:
    verb = words[0].lower() if words else ""
    return verb in _CONNECT + _DISCONNECT or (verb in _SYNC and len(words) <= 2)


def answer(words: list[str], *, asker: Any, deps: Deps) -> dict[str, Any] | None:
    """The ack's answer to `connect`, `disconnect`, `sync now` (None: not a CRM verb). `sync now` answers
    "syncing…" here and the result after the ack (`sync_now`)."""
    if not is_crm_verb(words):
        return None
    lang = asker.language
    if not asker.is_manager:
        return {"blocks": managers_only(t("crm.what_connect", lang), lang)}
    verb = words[0].lower()
    if verb in _SYNC:
        rows = connections.of_team(deps.engine, asker.team_id)
        found = [c for c in rows if c.status == "connected"]
        if not found:
            broken = [t("crm.result.broken", lang, crm=NAMES[c.kind], kind=c.kind,
                        error=mrkdwn.escape((c.last_error or "")[:150])) for c in rows if c.status == "broken"]
            return {"text": "\n".join(broken) or t("crm.none", lang)}
        return {"text": t("crm.syncing", lang, crms=", ".join(NAMES[c.kind] for c in found))}
    kind = words[1].lower() if len(words) > 1 else ""
    if kind not in KINDS:
        return {"text": t("crm.which", lang, kinds=", ".join(f"`{k}`" for k in KINDS))}
    crm = NAMES[kind]
    if verb in _DISCONNECT:
        row = connections.disconnect(deps.engine, asker.team_id, kind)
        if row is None or row.status == "disconnected":
            return {"text": t("crm.not_connected", lang, crm=crm)}
        return {"text": t("crm.disconnected", lang, crm=crm, kind=kind)}
    apps = apps_of(deps)
    if kind == "fxiaoke":
        return {"text": t("crm.fxiaoke_connect", lang, crm=crm, minutes=apps.sync_minutes)}
    if kind not in OAUTH_KINDS:
        return {"text": t("crm.key_connect", lang, crm=crm, kind=kind)}
    missing = apps.missing(kind)
    if missing:
        return {"text": t("crm.not_ready", lang, crm=crm, names=", ".join(f"`{m}`" for m in missing))}
    try:
        url = consent_link(deps.engine, apps, asker.team_id, kind, asker.user_id)
    except MissingKey:
        return {"text": t("crm.no_key", lang)}
    text = t("crm.consent_salesforce" if kind == "salesforce" else "crm.consent", lang, crm=crm, url=url,
             minutes=apps.sync_minutes)
    return {"blocks": [section(text)], "text": text, "response_type": "ephemeral"}


def sync_now(command: dict[str, Any], respond: Any, context: Any) -> None:
    """`/salesbot sync now` after the ack: every connected CRM of the workspace, one line each."""
    words = (command.get("text") or "").split()
    if not words or words[0].lower() not in _SYNC or len(words) > 2:
        return
    asker, deps = asker_of(context), deps_of(context)
    if not asker.is_manager:
        return
    lines = []
    for row in connections.of_team(deps.engine, asker.team_id):
        if row.status != "connected":
            continue
        result = sync_connection(deps.engine, int(row.id))  # type: ignore[arg-type]
        lines.append(result_line(row.kind, result, asker.language))
    if lines:
        respond(text="\n".join(lines), response_type="ephemeral")


def result_line(kind: str, result: Any, lang: str) -> str:
    crm = NAMES[kind]
    error = mrkdwn.escape(result.error[:150])
    if result.outcome == "ok":
        line = t("crm.result.ok", lang, crm=crm, written=number(result.written, lang),
                 removed=number(result.removed, lang), unchanged=number(result.unchanged, lang))
        if result.skipped_rows:
            reasons = "; ".join(mrkdwn.escape(p) for p in result.problems[:3])
            line += "\n" + t("crm.result.skipped", lang, count=number(result.skipped_rows, lang), reasons=reasons)
        return line
    if result.outcome in ("busy", "rate_limited"):
        return t(f"crm.result.{result.outcome}", lang, crm=crm)
    if result.outcome == "broken":
        return t("crm.result.broken", lang, crm=crm, error=error, kind=kind)
    return t("crm.result.failed", lang, crm=crm, error=error or result.outcome)


def home_blocks(asker: Any, deps: Deps) -> list[dict[str, Any]]:
    """Managers see each connection's state and last sync (nothing when the workspace has none)."""
    if not asker.is_manager:
        return []
    rows = connections.of_team(deps.engine, asker.team_id)
    if not rows:
        return []
    lang = asker.language
    lines = []
    for row in rows:
        state = t(f"crm.state.{row.status}", lang, kind=row.kind)
        when = t("crm.home.never", lang)
        if row.last_sync_at is not None:
            at = deliveries.as_utc(row.last_sync_at).astimezone(clock.zone(asker.timezone))
            when = f"{at:%Y-%m-%d %H:%M} ({row.last_sync_status}"
            when += f", {number(row.last_sync_deals or 0, lang)})" if row.last_sync_status == "ok" else ")"
        line = t("crm.home.line", lang, crm=NAMES[row.kind], state=state, when=when)
        if row.last_error and row.status != "disconnected":
            line += "\n> " + mrkdwn.escape(row.last_error[:200])
        lines.append(line)
    return [section(f"*{t('crm.home.title', lang)}*\n" + "\n".join(lines))]


class CrmSyncSource:
    """Each connected CRM every SALESBOT_SYNC_MINUTES: the ledger gives each slot to one instance; the
    connection's own lease keeps it from overlapping `/salesbot sync now`. A refused grant fails the slot for
    good, and the managers hear it once (`on_failed`)."""

    kind = "crm_sync"

    def __init__(self, minutes: int = 15) -> None:
        self.minutes = minutes
        self.grace = timedelta(minutes=minutes)

    def due(self, session: Session, now: datetime) -> list[DueDelivery]:
        rows = session.execute(select(CrmConnection.id, CrmConnection.team_id)  # type: ignore[call-overload]
                               .where(CrmConnection.status == "connected")).all()
        if not rows:
            return []
        minute = (now.minute // self.minutes) * self.minutes if self.minutes < 60 else 0
        slot = now.astimezone(UTC).replace(minute=minute, second=0, microsecond=0)
        if self.minutes >= 60:
            hours = self.minutes // 60
            slot = slot.replace(hour=(slot.hour // hours) * hours) if hours < 24 else slot.replace(hour=0)
        done = deliveries.delivered_keys(session, kind=self.kind, schedule_ids=[int(r[0]) for r in rows],
                                         since=slot - timedelta(minutes=1))
        return [DueDelivery(team, self.kind, int(cid), slot, f"crm:{cid}") for cid, team in rows
                if (int(cid), slot.replace(tzinfo=None), f"crm:{cid}") not in done]

    def deliver(self, item: DueDelivery, client: Any, deps: Deps) -> None:
        result = sync_connection(deps.engine, item.schedule_id)
        if result.outcome == "broken":
            raise PermanentFailure(result.error)
        if result.outcome in ("failed", "rate_limited"):
            raise RuntimeError(result.error)  # retried with the ledger's backoff; the cursor keeps what is done

    def on_failed(self, item: DueDelivery, reason: str, client: Any, deps: Deps) -> None:
        tell_broken(client, deps, item.schedule_id)


def tell_broken(client: Any, deps: Deps, connection_id: int) -> None:
    """DM every manager of the workspace that the connection broke, once per breakage."""
    row = connections.by_id(deps.engine, connection_id)
    if row is None or not connections.claim_broken_notice(deps.engine, connection_id):
        return
    with Session(deps.engine) as session:
        managers = session.execute(select(Member.slack_user_id, Member.locale).where(
            Member.team_id == row.team_id, Member.role == "manager",
            Member.slack_user_id.is_not(None))).all()  # type: ignore[union-attr]
    people = {m[0]: m[1] for m in managers}
    for user in deps.manager_ids:
        people.setdefault(user, None)
    for user, locale in people.items():
        lang = language_for(locale=locale or deps.language or "")  # zh-TW reads Traditional
        text = t("crm.broken_notice", lang, crm=NAMES[row.kind], kind=row.kind,
                 error=mrkdwn.escape((row.last_error or "")[:150]))
        try:
            channel = client.conversations_open(users=user)["channel"]["id"]
            client.chat_postMessage(channel=channel, text=text)
        except Exception:  # one manager's closed DMs must not keep the others from hearing it
            log.exception("could not tell %s that %s broke", user, row.kind)


def callback_page(deps: Deps, kind: str, query: dict[str, str], client: Any = None) -> tuple[int, str]:
    """The consent page's callback (bot/http_server.py): (HTTP status, a short page in English and Chinese).
    `client`: a Web API client, or a function giving the client of a workspace (many workspaces: the DM goes out
    with the consenting workspace's own token)."""
    done = finish(deps.engine, apps_of(deps), kind, query)
    if callable(client) and not hasattr(client, "api_call"):
        client = client(done.team_id)
    crm = NAMES.get(kind, kind)
    key = "crm.page.ok" if done.ok else f"crm.page.{done.reason}"
    params = {"crm": crm, "kind": kind, "minutes": apps_of(deps).sync_minutes}
    text = t(key, "en", **params) + "\n\n" + t(key, "zh", **params)
    if done.ok and client is not None and done.by:
        try:
            channel = client.conversations_open(users=done.by)["channel"]["id"]
            client.chat_postMessage(channel=channel, text=t("crm.connected_dm", deps.language, crm=crm))
        except Exception:
            log.exception("could not tell %s that %s is connected", done.by, kind)
    return (200 if done.ok else 400), text


SYNC = CrmSyncSource()  # the scheduler's one source; its interval comes from the settings (configure)


def configure(minutes: int) -> None:
    """SALESBOT_SYNC_MINUTES, from the settings the app is built with (bot/app.make_deps)."""
    SYNC.minutes, SYNC.grace = minutes, timedelta(minutes=minutes)


def job_sources() -> list[Any]:
    return [SYNC]


def register(app: Any) -> None:
    """Nothing of its own: the verbs are `/salesbot`'s (handlers/admin.py) and the consent callback is an HTTP
    route (bot/http_server.py); listed in FEATURES for its scheduled sync."""
