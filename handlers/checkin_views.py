"""Block Kit for check-ins: the rep's DM, the form, the setup modal, and the manager's messages.

Each builder returns the payload a user sees, so a reader can picture the message from the code; the words
come from the i18n catalog (English and Chinese), the figures from `reports.checkins`.
"""

from typing import Any

from handlers.blocks import Block, actions, button, context, message, section
from reports import formatting, mrkdwn
from reports.checkins import cadence_label, confidence_index, default_questions
from reports.i18n import add_messages, msg, t

add_messages(
    msg(
        "checkin.dm.greeting",
        "Hi {name} 👋 Time for your {cadence} check-in with {manager} (about {minutes} minutes).",
    ),
    msg("checkin.dm.question", "*{n}/{total} — {question}*"),
    msg("checkin.dm.hint", "Reply here, one message per question. `skip` to skip one."),
    msg("checkin.dm.form_button", "Answer in a form"),
    msg("checkin.dm.edit_button", "Edit answers"),
    msg("checkin.dm.thanks", "Thanks! {manager} will see your answers. You can edit them until {deadline}."),
    msg("checkin.dm.thanks_late", "Thanks! Your answers came in after the deadline; {manager} will still see them."),
    msg("checkin.dm.confidence_again", "Please answer with a number from 1 to 5 (or `skip`)."),
    msg(
        "checkin.dm.reminder",
        "⏰ A reminder: your check-in with {manager} closes {deadline}. {left} of {total} questions left.",
    ),
    msg("checkin.dm.closed", "This check-in closed at {deadline}; answers can no longer be edited."),
    msg("checkin.dm.not_yours", "This check-in is not yours."),
    msg("checkin.form.title", "Check-in"),
    msg("checkin.form.submit", "Submit"),
    msg("checkin.form.cancel", "Cancel"),
    msg("checkin.form.confidence_error", "A number from 1 to 5, please."),
    msg("checkin.form.empty_is_skip", "Leave a question empty to skip it."),
    msg("checkin.setup.title", "Schedule check-ins"),
    msg("checkin.setup.reps", "Reps"),
    msg("checkin.setup.cadence", "How often"),
    msg("checkin.setup.weekday", "Day"),
    msg("checkin.setup.time", "Time (each rep's own time zone)"),
    msg("checkin.setup.deadline", "Answers due after (hours) — the one-on-one"),
    msg("checkin.setup.reminder", "Remind non-responders (hours before the deadline)"),
    msg("checkin.setup.channel", "Post summaries in (empty: your DM)"),
    msg("checkin.setup.brief", "Brief"),
    msg("checkin.setup.brief_option", "Send me a brief an hour before each one-on-one"),
    msg("checkin.setup.questions", "Questions (one per line)"),
    msg("checkin.setup.number_error", "A whole number of hours, please."),
    msg("checkin.setup.reps_error", "Pick at least one rep."),
)



def _lang(language: str) -> str:
    return language if language == "zh" else "en"  # keeps the script of Chinese (reports.i18n.TRADITIONAL)


def weekday_name(weekday: int, language: str) -> str:
    return formatting.weekday_name(weekday, language)


# -------------------------------------------------------------------------------------- the rep's DM


def greeting(
    *, language: str, name: str, manager: str, cadence: str, numbers: str | None, questions: list[str], run_id: int
) -> dict[str, Any]:
    first = t(
        "checkin.dm.greeting",
        language,
        name=name,
        manager=manager,
        cadence=cadence_label(cadence, language),
        minutes=max(2, len(questions) - 1),
    )
    intro = first + (f"\n{numbers}" if numbers else "")
    ask = t("checkin.dm.question", language, n=1, total=len(questions), question=mrkdwn.escape(questions[0]))
    blocks = [
        section(intro),
        section(ask),
        context(t("checkin.dm.hint", language)),
        actions(button(t("checkin.dm.form_button", language), "checkin_form", str(run_id), style="primary")),
    ]
    return message(f"{first}\n{ask}", blocks)


def question(*, language: str, index: int, questions: list[str]) -> dict[str, Any]:
    asked = mrkdwn.escape(questions[index])
    text = t("checkin.dm.question", language, n=index + 1, total=len(questions), question=asked)
    return message(text, [section(text)])


def thanks(*, language: str, manager: str, deadline: str, run_id: int, late: bool) -> dict[str, Any]:
    if late:
        text = t("checkin.dm.thanks_late", language, manager=manager)
        return message(text, [section(text)])
    text = t("checkin.dm.thanks", language, manager=manager, deadline=deadline)
    return message(
        text, [section(text), actions(button(t("checkin.dm.edit_button", language), "checkin_form", str(run_id)))]
    )


def reminder(
    *, language: str, manager: str, deadline: str, left: int, questions: list[str], run_id: int
) -> dict[str, Any]:
    text = t("checkin.dm.reminder", language, manager=manager, deadline=deadline, left=left, total=len(questions))
    index = len(questions) - left
    asked = mrkdwn.escape(questions[index])
    ask = t("checkin.dm.question", language, n=index + 1, total=len(questions), question=asked)
    return message(
        f"{text}\n{ask}",
        [
            section(text),
            section(ask),
            actions(button(t("checkin.dm.form_button", language), "checkin_form", str(run_id), style="primary")),
        ],
    )


def form(
    *, language: str, run_id: int, questions: list[str], answers: dict[int, tuple[str, bool]], title: str | None = None
) -> dict[str, Any]:
    """All questions of a run in one modal, filled in with what the rep already answered (for edits)."""
    conf = confidence_index(questions)
    blocks: list[Block] = [context(t("checkin.form.empty_is_skip", language))]
    for i, q in enumerate(questions):
        element: Block = {"type": "plain_text_input", "action_id": "answer", "multiline": i != conf}
        text, skipped = answers.get(i, ("", False))
        if text and not skipped:
            element["initial_value"] = text[:3000]
        blocks.append(
            {
                "type": "input",
                "block_id": f"q{i}",
                "optional": True,
                "element": element,
                "label": {"type": "plain_text", "text": q[:2000]},
            }
        )
    return {
        "type": "modal",
        "callback_id": "checkin_form_submit",
        "private_metadata": str(run_id),
        "title": {"type": "plain_text", "text": (title or t("checkin.form.title", language))[:24]},
        "submit": {"type": "plain_text", "text": t("checkin.form.submit", language)},
        "close": {"type": "plain_text", "text": t("checkin.form.cancel", language)},
        "blocks": blocks,
    }


def form_values(view: dict[str, Any], count: int) -> dict[int, str]:
    values = (view.get("state") or {}).get("values") or {}
    out = {}
    for i in range(count):
        value = (values.get(f"q{i}") or {}).get("answer") or {}
        out[i] = (value.get("value") or "").strip()
    return out


# -------------------------------------------------------------------------------------- setup modal


def _option(text: str, value: str) -> Block:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


def _input(block_id: str, label: str, element: Block, *, optional: bool = False) -> Block:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "element": element,
        "label": {"type": "plain_text", "text": label},
    }


def setup(*, language: str, channel_id: str | None = None) -> dict[str, Any]:
    lang = _lang(language)
    cadences = [_option(cadence_label(c, lang), c) for c in ("weekly", "biweekly", "monthly")]
    days = [_option(formatting.weekday_name(i, lang), str(i)) for i in range(7)]
    brief = _option(t("checkin.setup.brief_option", lang), "brief")
    blocks = [
        _input("reps", t("checkin.setup.reps", lang), {"type": "multi_users_select", "action_id": "value"}),
        _input(
            "cadence",
            t("checkin.setup.cadence", lang),
            {"type": "static_select", "action_id": "value", "options": cadences, "initial_option": cadences[0]},
        ),
        _input(
            "weekday",
            t("checkin.setup.weekday", lang),
            {"type": "static_select", "action_id": "value", "options": days, "initial_option": days[4]},
        ),
        _input(
            "time", t("checkin.setup.time", lang), {"type": "timepicker", "action_id": "value", "initial_time": "16:00"}
        ),
        _input(
            "deadline",
            t("checkin.setup.deadline", lang),
            {"type": "plain_text_input", "action_id": "value", "initial_value": "72"},
        ),
        _input(
            "reminder",
            t("checkin.setup.reminder", lang),
            {"type": "plain_text_input", "action_id": "value", "initial_value": "24"},
        ),
        _input(
            "channel",
            t("checkin.setup.channel", lang),
            {
                "type": "conversations_select",
                "action_id": "value",
                "filter": {"include": ["public", "private"], "exclude_bot_users": True},
            },
            optional=True,
        ),
        _input(
            "brief",
            t("checkin.setup.brief", lang),
            {"type": "checkboxes", "action_id": "value", "options": [brief], "initial_options": [brief]},
            optional=True,
        ),
        _input(
            "questions",
            t("checkin.setup.questions", lang),
            {
                "type": "plain_text_input",
                "action_id": "value",
                "multiline": True,
                "initial_value": "\n".join(default_questions(lang)),
            },
        ),
    ]
    return {
        "type": "modal",
        "callback_id": "checkin_setup_submit",
        "private_metadata": channel_id or "",
        "title": {"type": "plain_text", "text": t("checkin.setup.title", lang)[:24]},
        "submit": {"type": "plain_text", "text": t("checkin.form.submit", lang)},
        "close": {"type": "plain_text", "text": t("checkin.form.cancel", lang)},
        "blocks": blocks,
    }


def setup_values(view: dict[str, Any]) -> dict[str, Any]:
    """The setup modal's state as plain values (None for what was left empty)."""
    state = (view.get("state") or {}).get("values") or {}

    def get(block: str) -> dict[str, Any]:
        return (state.get(block) or {}).get("value") or {}

    return {
        "reps": list(get("reps").get("selected_users") or []),
        "cadence": (get("cadence").get("selected_option") or {}).get("value") or "weekly",
        "weekday": int((get("weekday").get("selected_option") or {}).get("value") or 4),
        "time": get("time").get("selected_time") or "16:00",
        "deadline": (get("deadline").get("value") or "72").strip(),
        "reminder": (get("reminder").get("value") or "24").strip(),
        "channel": get("channel").get("selected_conversation"),
        "brief": bool(get("brief").get("selected_options")),
        "questions": (get("questions").get("value") or ""),
    }


# ---------------------------------------------------------------------------------- the manager's side


def lines_message(lines: list[str], *, fallback: str | None = None) -> dict[str, Any]:
    """A title line and its body as one or two sections (a long body is split at 3,000 characters)."""
    body = "\n".join(lines[1:])
    blocks = [section(lines[0])]
    while body:
        cut = body.rfind("\n", 0, 2900) if len(body) > 2900 else len(body)
        cut = cut if cut > 0 else min(len(body), 2900)
        blocks.append(section(body[:cut]))
        body = body[cut:].lstrip("\n")
    return message(fallback or lines[0].strip("*"), blocks)
