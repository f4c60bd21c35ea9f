"""Capture feedback where it is heard: the form, the "Log as customer feedback" message shortcut, and
"did you mean" for account names.

- `/feedback` alone opens the form: account (a menu that suggests known accounts as you type, or a new one),
  product, rating (1-5★ or NPS 0-10, optional), comment, rep (optional; else the account's owner).
- The message shortcut opens the same form with the message's text as the comment, the account guessed from
  it when a known account is named, and the message's permalink kept with the item.
- A typed account is matched to known ones (`reports.account_names`): the same account under another
  spelling ("Bluth Co" / "Bluth Co.") is used as known; a close one ("Cancty") is asked about — in the form
  by showing "Did you mean *Cancity*?" (submit again to keep the new name), in `/feedback Cancty 2 …` by
  buttons — before a new account is created.
"""

import json
import logging
from typing import Any

from slack_bolt import Ack
from slack_sdk.errors import SlackApiError
from sqlmodel import Session, select

from db import feedback as store
from db.models import Member
from handlers import feedback as command
from handlers.context import asker_of, deps_of
from handlers.feedback_views import (
    ACCOUNT_MENU,
    FORM,
    KNOWN,
    NEW,
    NEW_ACCOUNT,
    SHORTCUT,
    USE_ACCOUNT,
    account_option,
    form_view,
    open_form,
)
from handlers.kpi import local_today
from reports import account_names, mrkdwn
from reports.i18n import has_cjk, t

log = logging.getLogger("salesbot.feedback")


def account_menu(ack: Ack, body: dict[str, Any], context: Any) -> None:
    """Options of the account menu as someone types: the same/close known accounts, then "New account"."""
    asker, deps = asker_of(context), deps_of(context)
    query = " ".join(str(body.get("value") or "").split())[:200]
    with Session(deps.engine) as session:
        known = store.account_names(session, asker.team_id)
    found = account_names.suggest(query, known)
    options = [account_option(KNOWN + name, asker.language) for name in found]
    if query and account_names.match(query, known).same is None:
        options.append(account_option(NEW + query, asker.language))
    ack(options=options[:100])


# --------------------------------------------------------------------------------------------- submission


def _values(view: dict[str, Any]) -> dict[str, Any]:
    state = (view.get("state") or {}).get("values") or {}
    value = {block: (fields or {}).get("value") or {} for block, fields in state.items()}
    selected = ((state.get(ACCOUNT_MENU) or {}).get(ACCOUNT_MENU) or {}).get("selected_option") or {}
    rating = (value.get("rating") or {}).get("selected_option") or {}
    return {
        "account": str(selected.get("value") or ""),
        "product": " ".join(str((value.get("product") or {}).get("value") or "").split())[:200],
        "rating": str(rating.get("value") or ""),
        "comment": str((value.get("comment") or {}).get("value") or "").strip(),
        "rep": str((value.get("rep") or {}).get("selected_user") or ""),
    }


def _meta(view: dict[str, Any]) -> dict[str, str]:
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in meta.items()} if isinstance(meta, dict) else {}


def _rating(value: str) -> tuple[int | None, int]:
    rating, _, scale = value.partition("/")
    if rating.isdigit() and scale in ("5", "10"):
        n, s = int(rating), int(scale)
        if (1 if s == 5 else 0) <= n <= s:
            return n, s
    return None, 5


def resolve_account(session: Session, team_id: str, value: str) -> tuple[str, account_names.Match | None]:
    """(account to store, the match when the name is new to the workspace)."""
    if value.startswith(KNOWN):
        return value[len(KNOWN) :], None
    typed = value[len(NEW) :] if value.startswith(NEW) else value
    found = account_names.match(typed, store.account_names(session, team_id))
    return (found.same or found.typed), (None if found.same else found)


def _review(team_id: str, view: dict[str, Any], deps: Any, lang: str) -> tuple[str, dict[str, Any]]:
    """What a submitted form needs: ("store", {account}) or ("ack", the ack's arguments: an error to show or
    the form again with "did you mean")."""
    fields, meta = _values(view), _meta(view)
    if not fields["account"]:
        return "ack", {"response_action": "errors", "errors": {ACCOUNT_MENU: t("feedback.form.need_account", lang)}}
    if _rating(fields["rating"])[0] is None and not fields["comment"]:
        return "ack", {"response_action": "errors", "errors": {"comment": t("feedback.form.need_words", lang)}}
    with Session(deps.engine) as session:
        account, new = resolve_account(session, team_id, fields["account"])
    if new is not None and new.suggestions and meta.get("confirmed") != account:
        names = (" / " if lang == "en" else "、").join(f"*{mrkdwn.escape(n)}*" for n in new.suggestions)
        question = t("feedback.form.did_you_mean", lang, typed=mrkdwn.escape(account), names=names)
        again = form_view(lang, **fields, meta={**meta, "confirmed": account}, question=question)
        return "ack", {"response_action": "update", "view": again}
    return "store", {"account": account}


def ack_form(ack: Ack, view: dict[str, Any], context: Any) -> None:
    """Validate, and ask "did you mean" once for a new account close to a known one; else close the form."""
    asker, deps = asker_of(context), deps_of(context)
    what, args = _review(asker.team_id, view, deps, asker.language)
    ack(**args) if what == "ack" else ack()


def store_form(body: dict[str, Any], view: dict[str, Any], client: Any, context: Any) -> None:
    """After the form closed: store the item, tell the person who logged it, alert on bad feedback."""
    asker, deps = asker_of(context), deps_of(context)
    what, args = _review(asker.team_id, view, deps, asker.language)
    if what != "store":
        return  # the form is still open (an error, or "did you mean")
    fields, meta = _values(view), _meta(view)
    rating, scale = _rating(fields["rating"])
    rep = None
    if fields["rep"]:
        with Session(deps.engine) as session:
            rep = session.execute(
                select(Member.id).where(Member.team_id == asker.team_id, Member.slack_user_id == fields["rep"])
            ).scalar()
    reply = command.store_and_confirm(
        account=args["account"],
        rating=rating,
        scale=scale,
        comment=fields["comment"],
        product=fields["product"],
        link=meta.get("link", ""),
        rep_member_id=rep,
        asker=asker,
        deps=deps,
        client=client,
        today=local_today(asker.timezone),
        external_id=f"form:{view.get('id') or body.get('trigger_id')}",
    )
    client.chat_postMessage(channel=asker.user_id, **reply)


def ack_shortcut(ack: Ack) -> None:
    ack()


def log_message(body: dict[str, Any], client: Any, context: Any) -> None:
    """ "Log as customer feedback" on a message: the form, prefilled with its words, its permalink kept."""
    asker, deps = asker_of(context), deps_of(context)
    msg = body.get("message") or {}
    channel = str((body.get("channel") or {}).get("id") or "")
    ts = str(msg.get("ts") or body.get("message_ts") or "")
    text = str(msg.get("text") or "")
    link = ""
    try:
        link = str(client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink") or "")
    except SlackApiError as exc:  # a channel the bot is not in: the feedback is still worth logging
        log.info("no permalink for %s/%s: %s", channel, ts, exc.response.get("error"))
    with Session(deps.engine) as session:
        known = store.account_names(session, asker.team_id)
    guess = named_account(text, known)
    lang = "zh" if has_cjk(text) and asker.language == "zh" else asker.language
    try:
        open_form(
            client,
            str(body.get("trigger_id") or ""),
            lang,
            account=KNOWN + guess if guess else "",
            comment=text,
            meta={"link": link} if link else {},
        )
    except SlackApiError as exc:
        log.warning("feedback form not opened: %s", exc.response.get("error"))
        client.chat_postEphemeral(channel=channel, user=asker.user_id, text=t("feedback.shortcut_failed", lang))


def named_account(text: str, known: list[str]) -> str:
    """The longest known account named in a message (case and punctuation aside), or ""."""
    words = account_names.normalise(text)
    best = ""
    for name in known:
        key = account_names.normalise(name)
        if len(key) >= 3 and key in words and len(name) > len(best):
            best = name
    return best


def pick_account(ack: Ack, body: dict[str, Any], respond: Any, client: Any, context: Any) -> None:
    """A "did you mean" button: store the item under the account chosen, in place of the question."""
    ack()
    asker, deps = asker_of(context), deps_of(context)
    action = (body.get("actions") or [{}])[0]
    try:
        item = json.loads(action.get("value") or "{}")
        rating = item.get("r")
        rating = int(rating) if rating is not None else None
        scale = int(item.get("s") or 5)
        account, comment, external_id = str(item["a"]), str(item.get("c") or ""), str(item["x"])
    except (ValueError, KeyError, TypeError):
        return
    if scale not in (5, 10) or (rating is not None and not (0 if scale == 10 else 1) <= rating <= scale):
        return
    reply = command.store_and_confirm(
        account=account,
        rating=rating,
        scale=scale,
        comment=comment,
        asker=asker,
        deps=deps,
        client=client,
        today=local_today(asker.timezone),
        external_id=external_id,
    )
    respond(replace_original=True, **reply)


def register(app: Any) -> None:
    app.view(FORM)(ack=ack_form, lazy=[store_form])
    app.options(ACCOUNT_MENU)(account_menu)
    app.shortcut(SHORTCUT)(ack=ack_shortcut, lazy=[log_message])
    app.action(USE_ACCOUNT)(pick_account)
    app.action(NEW_ACCOUNT)(pick_account)
