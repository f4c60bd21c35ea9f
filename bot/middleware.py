"""Cross-cutting concerns of every Slack request, as Bolt middleware (not repeated in each listener).

- the request log line (times to ack and to answer) is bot/request_log.py; secrets never reach logs (see
  `RedactTokens`).
- `skip_duplicate_events`: an event Slack delivers again (`X-Slack-Retry-Num`, or to a second instance)
  is acknowledged and not processed twice; so is a slash command or interaction sent again with the same
  trigger id. The id is recorded in the database, so this holds across restarts and instances.
- `attach_asker`: who is asking, their role and language, and the app's `Deps`, on `context`; a request
  that names a user but no workspace is refused with a clear answer (never acknowledged and forgotten).
- `strip_nul`: NUL characters are removed from every request body before anything reads it (PostgreSQL
  cannot store them in text; Slack-supplied text from the Web API is cleaned in bot/slack_client.py).
"""

import hashlib
import json
import logging
import re
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any
from urllib.parse import urlencode

from slack_bolt import BoltRequest, BoltResponse
from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError

from bot.answer_processes import ANSWER_WORKER
from bot.first_contact import FirstContact, tell_adoption
from bot.respond import SafeRespond
from bot.slack_client import as_salesbot_client, without_nul
from db.engine import session_scope
from db.members import add_member_now, ensure_member, ensure_workspace, member_by_slack_id
from db.models import Member, Workspace
from db.request_keys import RequestKeys
from db.workspaces import has_manager
from handlers.context import Asker, Deps, PendingProfile
from handlers.people import PEOPLE_EVENTS, fill_profile
from reports.i18n import add_messages, command_words, has_cjk, language_for, msg, t

log = logging.getLogger("salesbot.requests")

add_messages(
    msg("request.no_workspace", "This request did not say which Slack workspace it came from, so I cannot answer it "
        "and did nothing. If it keeps happening, ask the person who runs salesbot to check the app's installation."),
)

_TOKEN = re.compile(r"xox[abposer]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+")
# The Socket Mode URL's one-time ticket, and the verification `token` in every payload Slack sends (a JSON
# field, a Python dict repr or a form field), whatever its value looks like.
_TICKET = re.compile(r"(ticket=)[^&\s\"']+")
_FIELD_TOKEN = re.compile(r"""(["']token["']\s*:\s*["'])[^"']*(["'])|(\btoken=)[^&\s"',}]+""")


def redact(message: str) -> str:
    """`message` without Slack tokens, Socket Mode tickets or verification tokens."""
    message = _TOKEN.sub("xox?-[redacted]", message)
    message = _TICKET.sub(r"\1[redacted]", message)
    return _FIELD_TOKEN.sub(lambda m: f"{m.group(1)}[redacted]{m.group(2)}" if m.group(1)
                            else f"{m.group(3)}[redacted]", message)


class RedactTokens(logging.Filter):
    """Replace anything secret in a log record (tokens, tickets, verification tokens) with a placeholder."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg = clean
            record.args = None
        return True


def install_log_redaction() -> None:
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactTokens) for f in handler.filters):
            handler.addFilter(RedactTokens())


def _request_kind(body: dict[str, Any]) -> str:
    if "command" in body:
        return f"command {body['command']}"
    if body.get("type") == "event_callback":
        return f"event {body.get('event', {}).get('type')}"
    return str(body.get("type", "unknown"))


def _has_nul(node: Any) -> bool:
    if isinstance(node, str):
        return "\x00" in node
    if isinstance(node, dict):
        return any(_has_nul(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_nul(v) for v in node)
    return False


def make_use_salesbot_clients(timeout: int) -> Callable[..., Any]:
    """Listeners get salesbot's Web API client (NUL-free answers) and `respond` (timeout, safe retries)."""

    def use_salesbot_clients(context: Any, next: Callable[[], Any]) -> Any:  # noqa: A002 - Bolt's name
        if context.get("client") is not None:
            context["client"] = as_salesbot_client(context["client"])
        if context.get("response_url"):
            context["respond"] = SafeRespond(response_url=context["response_url"], timeout=timeout)
        return next()

    return use_salesbot_clients


def strip_nul(req: BoltRequest, next: Callable[[], Any]) -> Any:  # noqa: A002 - Bolt's name
    """Remove NUL characters from the request body, before any listener reads it.

    The parsed body is replaced in place (`command`, `event`, `view` are views of it), and so is the raw
    body, because Bolt parses the raw body again for the copy that lazy listeners get (after verification:
    the signature was checked on what Slack sent)."""
    if _has_nul(req.body):
        clean = without_nul(req.body)
        req.body.clear()
        req.body.update(clean)
        if "json" in (req.content_type or ""):
            req.raw_body = json.dumps(clean)
        elif req.raw_body.startswith("payload="):
            req.raw_body = urlencode({"payload": json.dumps(clean)})
        else:
            req.raw_body = urlencode(clean)
    return next()


def request_key(body: dict[str, Any]) -> str | None:
    """What makes a request the same request: the event id of an event, the trigger id of a slash command or
    an interaction (a retried or replayed copy carries the same one). None when it has neither."""
    if body.get("type") == "event_callback":
        return body.get("event_id") or None
    trigger = body.get("trigger_id")
    if not trigger:
        return None
    key = f"trigger:{trigger}"
    return key if len(key) <= 64 else "trigger:" + hashlib.sha256(str(trigger).encode()).hexdigest()[:56]


def make_skip_duplicate_events(deps: Deps) -> Callable[..., Any]:
    keys = RequestKeys(deps.engine)  # concurrent requests record their ids in one transaction

    def skip_duplicate_events(body: dict[str, Any], context: Any, next: Callable[[], Any]) -> Any:  # noqa: A002
        key = request_key(body)
        if not key or context.get(ANSWER_WORKER):  # an answer process re-dispatching a request acked here
            return next()
        if not keys.first_time(body.get("team_id") or "", key):
            log.info("request %s already handled; skipping the retry", key)
            return BoltResponse(status=200, body="")
        return next()

    return skip_duplicate_events


def make_attach_asker(deps: Deps, background: Executor | None = None) -> Callable[..., Any]:
    """`background` runs the profile reads of first contacts after the ack (the app's listener executor)."""
    first_contact = FirstContact(deps)

    def attach_asker(body: dict[str, Any], context: Any, client: Any, next: Callable[[], Any]) -> Any:  # noqa: A002
        context["deps"] = deps
        user_id, team_id = context.get("user_id"), context.get("team_id")
        if user_id and not team_id:
            return refuse_without_workspace(body, deps)
        if not (user_id and team_id) or (body.get("event") or {}).get("type") in PEOPLE_EVENTS:
            return next()
        adoption = first_contact.adopt(team_id)  # before anything reads: the data must be there for this request
        text = str(body.get("text") or "")
        context["asker"], profile = resolve_asker(deps, client, team_id=team_id, user_id=user_id, text=text,
                                                  background=background)
        if profile is not None:
            context["asker_pending"] = PendingProfile(
                profile, lambda: resolve_asker(deps, client, team_id=team_id, user_id=user_id, text=text)[0])
        result = next()
        if adoption is not None:  # it waits on Slack: after the ack, never before it
            if background is not None:
                background.submit(tell_adoption, adoption, context["asker"], context, client)
            else:
                tell_adoption(adoption, context["asker"], context, client)
        return result

    return attach_asker


def refuse_without_workspace(body: dict[str, Any], deps: Deps) -> BoltResponse:
    """Every row belongs to a workspace: a request without one is answered with why nothing was done."""
    log.warning("refused %s without a workspace (team_id empty)", _request_kind(body))
    if body.get("type") == "event_callback":
        return BoltResponse(status=200, body="")  # nobody to answer in an event; the log says why
    text = t("request.no_workspace", language_for(text=str(body.get("text") or ""), default=deps.language))
    return BoltResponse(status=200, body={"response_type": "ephemeral", "text": text})


def resolve_asker(deps: Deps, client: Any, *, team_id: str, user_id: str, text: str = "",
                  background: Executor | None = None) -> tuple[Asker, Future[Any] | None]:
    """Find (or create) the member behind a request, without calling Slack before the ack (except while a fresh
    install has no manager: see `_leaderless`).

    Someone the directory does not know yet becomes a member from the bare Slack id at once; their profile
    (name, time zone, locale, e-mail) is read from `users.info` after the ack, in `background`, so a rate
    limit or a hanging Slack never delays the answer. A user's first requests can arrive at the same moment
    (on several instances); the loser of the insert race reads the winner's row. Returns the asker and,
    for a first contact, the profile read under way.
    """
    try:
        asker, created = _resolve_asker(deps, team_id=team_id, user_id=user_id, text=text)
    except IntegrityError:
        asker, created = _resolve_asker(deps, team_id=team_id, user_id=user_id, text=text)
    if not created:
        return asker, None
    if background is not None:
        profile = background.submit(fill_profile, client, deps, team_id, user_id)
        if not _leaderless(deps, team_id):
            return asker, profile
        # A fresh install's first people, while nobody leads the workspace (SALESBOT_MANAGERS empty): whether this
        # is a Slack admin, who becomes its manager, decides the answer, so the ack waits for the profile — at most
        # BOOTSTRAP_WAIT, once per person, and only until the workspace has a manager.
        try:
            profile.result(timeout=BOOTSTRAP_WAIT)
        except Exception:  # slow or failing Slack: answered as what is known now (a rep), as for anyone else
            return asker, profile
        return _resolve_asker(deps, team_id=team_id, user_id=user_id, text=text)[0], None
    fill_profile(client, deps, team_id, user_id)
    return asker, None


BOOTSTRAP_WAIT = 1.5  # seconds; Slack wants the ack within 3


def _leaderless(deps: Deps, team_id: str) -> bool:
    """No manager named in the settings and none in the workspace yet (a fresh install)."""
    if deps.manager_ids:
        return False
    with deps.engine.connect() as conn:
        return not has_manager(conn, team_id)


def _resolve_asker(deps: Deps, *, team_id: str, user_id: str, text: str) -> tuple[Asker, bool]:
    known = _known_asker(deps, team_id=team_id, user_id=user_id, text=text)
    if isinstance(known, Asker):
        return known, False
    if known is _NEW_PERSON:  # the usual first contact: one row from the bare id, with the others arriving at once
        role = "manager" if user_id in deps.manager_ids else "rep"
        created = add_member_now(deps.engine, team_id=team_id, user_id=user_id, role=role)
        known = _known_asker(deps, team_id=team_id, user_id=user_id, text=text)
        if isinstance(known, Asker):
            return known, created
    with session_scope(deps.engine) as session:
        ws = ensure_workspace(session, team_id=team_id, defaults=deps.workspace_defaults)
        member = member_by_slack_id(session, team_id, user_id)
        created = member is None
        if member is None:
            member, _ = ensure_member(session, team_id=team_id, user_id=user_id,
                                      role="manager" if user_id in deps.manager_ids else "rep")
        elif user_id in deps.manager_ids and member.role != "manager":
            member.role = "manager"
        language = language_for(
            text=_own_words(session, team_id, text, member.locale), locale=member.locale, default=ws.language
        )
        return Asker(team_id=team_id, user_id=user_id, member_id=member.id or 0, role=member.role,
                     language=language, timezone=member.timezone or ws.timezone,
                     display_name=member.display_name), created


_NEW_PERSON = object()  # `_known_asker`: the workspace is there, the person is not


def _known_asker(deps: Deps, *, team_id: str, user_id: str, text: str) -> Asker | object | None:
    """The asker from one read of their workspace and member rows (Core, no ORM objects), for the usual request:
    both rows there and nothing to change. `_NEW_PERSON` when only the workspace is there; None sends the
    request the long way (creating the workspace, or making a known person a manager)."""
    ws, m = Workspace.__table__.c, Member.__table__.c  # type: ignore[attr-defined]
    stmt = (
        select(ws.language, ws.timezone, m.id, m.role, m.locale, m.timezone, m.display_name)
        .select_from(Workspace.__table__.outerjoin(  # type: ignore[attr-defined]
            Member.__table__, and_(m.team_id == ws.team_id, m.slack_user_id == user_id)))  # type: ignore[attr-defined]
        .where(ws.team_id == team_id)
        .limit(1)
    )
    with deps.engine.connect() as conn:
        row = conn.execute(stmt).first()
        if row is not None and row[2] is None:
            return _NEW_PERSON
        if row is None or (user_id in deps.manager_ids and row[3] != "manager"):
            return None
        ws_language, ws_timezone, member_id, role, locale, timezone, display_name = row
        language = language_for(text=_own_words(conn, team_id, text, locale), locale=locale, default=ws_language)
    return Asker(team_id=team_id, user_id=user_id, member_id=member_id, role=role, language=language,
                 timezone=timezone or ws_timezone, display_name=display_name)


# Chinese words of the /kpi grammar itself: a line that still has one of them is written in Chinese, whatever the
# names in it.
_CHINESE_KEYWORD = re.compile(r"产品|客户|销售额|赢单率|上季度|本季度|上个?月|本月|本周|上周|今年|去年")
# `product 小米`, `account 腾讯 科技`: the words with Chinese characters right after an English keyword that names a
# product or an account are that name, not the command's words.
_NAME_AFTER_ENGLISH_KEYWORD = re.compile(
    r"\b(?:product|account|customer)s?\s+(\S*[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]\S*"
    r"(?:\s+\S*[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]\S*)*)",
    re.IGNORECASE,
)
# `/market competitors add 金蝶 Kingdee`: all that follows an English `competitors add|remove` is the name.
_NAME_AFTER_COMPETITORS_VERB = re.compile(r"\bcompetitors?\s+(?:add|remove)\s+.*$", re.IGNORECASE | re.DOTALL)


def _own_words(session: Any, team_id: str, text: str, locale: str | None) -> str:
    """The command's own words: without mentions, quotes and the names of people, products and accounts.

    This runs before the ack, so nothing here may scan the deals: people's names are looked up (the member
    table, small) only when Chinese is left after the cheap cuts from a user whose locale is not Chinese, and a
    product or account name is recognised from the words alone — the Chinese words right after an English
    `product` / `account` / `customer` in a line without Chinese /kpi words (`revenue product 小米 Q3`), and all
    that follows an English `competitors add` / `remove` (`/market competitors add 金蝶`)."""
    words = command_words(text)
    if not has_cjk(words) or (locale or "").lower().startswith("zh"):
        return words
    people = session.execute(select(Member.display_name, Member.crm_name).where(Member.team_id == team_id))
    words = command_words(words, [n for row in people for n in row if n])
    if has_cjk(words) and not _CHINESE_KEYWORD.search(words):
        words = _NAME_AFTER_COMPETITORS_VERB.sub(" ", _NAME_AFTER_ENGLISH_KEYWORD.sub(" ", words))
    return words
