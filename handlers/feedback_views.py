"""Block Kit for capturing feedback: the form (account menu with suggestions, product, rating, comment, rep)
and the "did you mean" reply to `/feedback` — the payloads a user sees, in English and Chinese."""

import json
from typing import Any

from handlers.blocks import Block, actions, button, context, message, section
from reports import account_names, mrkdwn
from reports.i18n import add_messages, msg, t

FORM = "feedback_form_submit"
SHORTCUT = "log_feedback"
ACCOUNT_MENU = "feedback_account"
USE_ACCOUNT = "feedback_use_account"
NEW_ACCOUNT = "feedback_new_account"
NEW = "new:"  # an account menu value for a name nobody has used yet
KNOWN = "acct:"

add_messages(
    msg("feedback.form.title", "Customer feedback"),
    msg("feedback.form.submit", "Log it"),
    msg("feedback.form.cancel", "Cancel"),
    msg("feedback.form.account", "Account"),
    msg("feedback.form.account_hint", "Type a few letters: known accounts are suggested; a new name can be added."),
    msg("feedback.form.new_account", "New account: {name}"),
    msg("feedback.form.product", "Product"),
    msg("feedback.form.rating", "Rating"),
    msg("feedback.form.no_rating", "No rating"),
    msg("feedback.form.comment", "What the customer said"),
    msg("feedback.form.rep", "Rep (default: the account's owner)"),
    msg("feedback.form.from_message", "From <{link}|this message>"),
    msg("feedback.form.need_account", "Which account is it?"),
    msg("feedback.form.need_words", "Give a rating or the customer's words (or both)."),
    msg("feedback.form.did_you_mean", "“{typed}” is not a known account. Did you mean {names}? Pick it under "
        "Account, or submit again to add “{typed}” as a new account."),
    msg("feedback.did_you_mean", "I don't know the account *{typed}*. Did you mean:"),
    msg("feedback.add_new", "Add “{typed}” as a new account"),
    msg("feedback.too_long_to_ask", "I don't know the account *{typed}*; did you mean {names}? Send the line again "
        "with the account spelled as known, or use the form (`/feedback` alone) to add it as a new account."),
    msg("feedback.shortcut_failed", "Sorry, I could not open the feedback form; try `/feedback` in a channel."),
)


# ------------------------------------------------------------------------------------------------ the form


def rating_options(lang: str) -> list[Block]:
    """1★-5★, then NPS 0-10; the value is "RATING/SCALE"."""
    stars = [_option("★" * n + f" {n}/5", f"{n}/5") for n in range(1, 6)]
    nps = [_option(f"NPS {n}/10", f"{n}/10") for n in range(0, 11)]
    return [*stars, *nps]


def _option(text: str, value: str) -> Block:
    return {"text": {"type": "plain_text", "text": text[:75], "emoji": True}, "value": value[:150]}


def account_option(value: str, lang: str) -> Block:
    if value.startswith(NEW):
        return _option(t("feedback.form.new_account", lang, name=value[len(NEW) :]), value)
    return _option(value[len(KNOWN) :], value)


def form_view(
    lang: str,
    *,
    account: str = "",
    product: str = "",
    rating: str = "",
    comment: str = "",
    rep: str = "",
    meta: dict[str, str] | None = None,
    question: str = "",
) -> dict[str, Any]:
    """The feedback modal. `account` is a menu value (acct:NAME or new:NAME); `meta` travels in
    private_metadata (the message's permalink, a new name already confirmed)."""
    menu: Block = {
        "type": "external_select",
        "action_id": ACCOUNT_MENU,  # the options request names it
        "min_query_length": 0,
        "placeholder": {"type": "plain_text", "text": t("feedback.form.account", lang)},
    }
    if account:
        menu["initial_option"] = account_option(account, lang)
    rating_menu: Block = {"type": "static_select", "action_id": "value", "options": rating_options(lang)}
    if rating:
        rating_menu["initial_option"] = next(o for o in rating_options(lang) if o["value"] == rating)
    rep_menu: Block = {"type": "users_select", "action_id": "value"}
    if rep:
        rep_menu["initial_user"] = rep
    comment_input: Block = {"type": "plain_text_input", "action_id": "value", "multiline": True, "max_length": 3000}
    if comment:
        comment_input["initial_value"] = comment[:3000]
    product_input: Block = {"type": "plain_text_input", "action_id": "value", "max_length": 200}
    if product:
        product_input["initial_value"] = product[:200]
    blocks: list[Block] = []
    if question:
        blocks.append(section(question))
    blocks += [
        _input(ACCOUNT_MENU, t("feedback.form.account", lang), menu, hint=t("feedback.form.account_hint", lang)),
        _input("product", t("feedback.form.product", lang), product_input, optional=True),
        _input("rating", t("feedback.form.rating", lang), rating_menu, optional=True),
        _input("comment", t("feedback.form.comment", lang), comment_input, optional=True),
        _input("rep", t("feedback.form.rep", lang), rep_menu, optional=True),
    ]
    link = (meta or {}).get("link")
    if link:
        blocks.append(context(t("feedback.form.from_message", lang, link=link)))
    return {
        "type": "modal",
        "callback_id": FORM,
        "title": {"type": "plain_text", "text": t("feedback.form.title", lang)},
        "submit": {"type": "plain_text", "text": t("feedback.form.submit", lang)},
        "close": {"type": "plain_text", "text": t("feedback.form.cancel", lang)},
        "private_metadata": json.dumps(meta or {}, ensure_ascii=False)[:3000],
        "blocks": blocks,
    }


def open_form(client: Any, trigger_id: str, lang: str, **fields: Any) -> None:
    client.views_open(trigger_id=trigger_id, view=form_view(lang, **fields))


def _input(block_id: str, label: str, element: Block, *, optional: bool = False, hint: str = "") -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label[:2000]},
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = {"type": "plain_text", "text": hint[:2000]}
    return block


# ---------------------------------------------------------------------------- "did you mean" (/feedback)


def did_you_mean(request: Any, found: account_names.Match, *, lang: str, external_id: str) -> dict[str, Any]:
    """The reply to `/feedback Cancty 2 …` when Cancty is close to a known account: one button per suggestion,
    one to add the typed name; each carries the item (the click stores it)."""
    item = {"r": request.rating, "s": request.scale, "c": request.comment, "x": external_id}
    typed = mrkdwn.escape(found.typed)
    buttons = [
        button(name, USE_ACCOUNT, json.dumps({**item, "a": name}, ensure_ascii=False)) for name in found.suggestions
    ]
    buttons.append(
        button(
            t("feedback.add_new", lang, typed=found.typed),
            NEW_ACCOUNT,
            json.dumps({**item, "a": found.typed}, ensure_ascii=False),
        )
    )
    if any(len(b.get("value", "")) >= 2000 for b in buttons):  # too long to carry: ask to send it again
        names = ", ".join(f"*{mrkdwn.escape(n)}*" for n in found.suggestions)
        text = t("feedback.too_long_to_ask", lang, typed=typed, names=names)
        return message(text, [section(text)])
    title = t("feedback.did_you_mean", lang, typed=typed)
    return message(title, [section(title), actions(*buttons)])
