"""The shared shapes of a command's answer: help, and "what I understood, what I did not, what works"."""

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from db.clock import zone
from db.repeats import REPEAT_WINDOW
from handlers.blocks import Block, context, section
from reports import mrkdwn
from reports.i18n import add_messages, as_typed, msg, t

add_messages(
    msg("reply.understood", "I understood {parts}, but not {rest}."),
    msg("reply.understood_nothing", "I did not understand {rest}."),
    msg("reply.try", "Try: {examples}"),
    msg("reply.and", " and "),
    msg("reply.repeated", "You sent the same {what} at {at}: it was done then, once. A repeat within {minutes} "
        "minutes is not applied again. {check}"),
    msg("reply.managers_only", "Only managers can {what}. Ask a manager, or see `/salesbot help`."),
    msg("reply.which_one", "Which *{name}* do you mean? {count} people match:\n{people}\nName one with their "
        "Slack mention, e.g. `{example}`"),
    msg("reply.unknown_person", "I don't know anyone called *{name}* in this workspace. Mention them as Slack "
        "suggests (type @ and pick the name), or use their real or display name, e.g. `{example}`"),
)


ECHO_LIMIT = 200  # characters of the user's own words quoted back; a 100k-character command is not echoed whole


def quote(text: str) -> str:
    """The user's words, quoted in a reply: capped and escaped for mrkdwn."""
    return f'"{mrkdwn.escape(mrkdwn.capped(text, ECHO_LIMIT))}"'


def not_understood(
    *, understood: list[str], rest: str, examples: list[str], language: str, typed: str = ""
) -> list[Block]:
    """What a command understood, what it did not, and examples that work. `typed` is the command as the user
    typed it: words the parser read through `simplified()` are echoed in the user's script (上個月, not 上个月)."""
    if typed:
        understood, rest = [as_typed(u, typed) for u in understood], as_typed(rest, typed)
    rest_text = quote(rest.strip()) if rest.strip() else "…"
    if understood:
        joiner = t("reply.and", language)
        parts = joiner.join(f"*{mrkdwn.escape(mrkdwn.capped(u, ECHO_LIMIT))}*" for u in understood)
        line = t("reply.understood", language, parts=parts, rest=rest_text)
    else:
        line = t("reply.understood_nothing", language, rest=rest_text)
    tries = " · ".join(f"`{e}`" for e in examples)
    return [section(line), context(t("reply.try", language, examples=tries))]


def not_understood_reply(
    *, understood: list[str], rest: str, examples: list[str], language: str, typed: str = ""
) -> dict[str, Any]:
    """`not_understood` as a whole message: its plain-text fallback is the first line, capped like the blocks."""
    blocks = not_understood(understood=understood, rest=rest, examples=examples, language=language, typed=typed)
    return {"text": blocks[0]["text"]["text"], "blocks": blocks}


def managers_only(what: str, language: str) -> list[Block]:
    return [section(t("reply.managers_only", language, what=what))]


def repeated(*, what: str, at: datetime, timezone: str, check: str, language: str) -> list[Block]:
    """The answer to a user's identical repeat within the window: when it was done, and where to see it."""
    line = t("reply.repeated", language, what=what, at=at.astimezone(zone(timezone)).strftime("%H:%M:%S"),
             minutes=int(REPEAT_WINDOW.total_seconds() // 60), check=check)
    return [section(line)]


def person_unclear(match: Any, *, language: str, example: str) -> list[Block]:
    """A name that is ambiguous (the candidates, name and mention, to pick from) or unknown (with an example).

    `example` is a working command with `{who}` where the person goes.
    """
    name = mrkdwn.escape(mrkdwn.capped("@" + match.ref.lstrip("@"), ECHO_LIMIT))
    if match.ambiguous:
        people = "\n".join(f"• {mrkdwn.escape(c.name)}" + (f" <@{c.user_id}>" if c.user_id else "")
                           for c in match.candidates[:10])
        first = match.candidates[0]
        pick = f"<@{first.user_id}>" if first.user_id else f'"{mrkdwn.escape(first.name)}"'
        return [section(t("reply.which_one", language, name=name, count=len(match.candidates), people=people,
                          example=example.format(who=pick)))]
    return [section(t("reply.unknown_person", language, name=name, example=example.format(who="@darcel")))]


HELP_WORDS = frozenset({"help", "帮助", "幫助", "?", "？"})


def command_listeners(
    help_message: Callable[[str], dict[str, Any]],
    handle: Callable[..., dict[str, Any]],
    *,
    failed_key: str,
    logger: logging.Logger,
) -> tuple[Callable[..., None], Callable[..., None]]:
    """(ack, lazy answer) of a command whose help is answered in the ack and whose answer is one ephemeral message:
    `handle(text, asker=, deps=, client=)` builds it after the ack; an error is logged and answered with
    `failed_key`, never left unanswered."""
    from handlers.context import asker_of, deps_of
    from handlers.people import prepare_people

    def ack_command(ack: Any, body: dict[str, Any], context: Any) -> None:
        if (body.get("text") or "").strip().lower() in HELP_WORDS:
            ack(**help_message(asker_of(context).language))
            return
        ack()

    def answer_command(body: dict[str, Any], respond: Any, client: Any, context: Any) -> None:
        text = " ".join((body.get("text") or "").split())
        if text.lower() in HELP_WORDS:
            return
        asker, deps = asker_of(context), deps_of(context)
        try:
            prepare_people(client, deps, asker.team_id, text)
            reply = handle(text, asker=asker, deps=deps, client=client)
        except Exception:
            logger.exception("%s failed: %r", failed_key, text)
            reply = {"text": t(failed_key, asker.language)}
        respond(**{"response_type": "ephemeral", **reply})

    feature = failed_key.split(".")[0]  # distinct names per command: Bolt names lazy listeners by them
    ack_command.__name__ = ack_command.__qualname__ = f"ack_{feature}"
    answer_command.__name__ = answer_command.__qualname__ = f"answer_{feature}"
    return ack_command, answer_command
