"""Block Kit for check-ins: the rep's DM, the form, the setup modal, and the manager's messages.

Each builder returns the payload a user sees, so a reader can picture the message from the code; the words
come from the i18n catalog (English and Chinese), the figures from `reports.checkins`.
"""

from typing import Any

from handlers.blocks import Block, actions, button, context, message, section
from reports import glossary, mrkdwn
from reports.checkins import DEFAULT_QUESTIONS, cadence_label, confidence_index
from reports.i18n import add_catalog, t

add_catalog(
    {
        "checkin.dm.greeting": {
            "en": "Hi {name} 👋 Time for your {cadence} check-in with {manager} (about {minutes} minutes).",
            "zh": "你好 {name} 👋 到了和 {manager} 的{cadence}进展汇报时间（大约 {minutes} 分钟）。",
        },
        "checkin.dm.question": {"en": "*{n}/{total} — {question}*", "zh": "*{n}/{total} — {question}*"},
        "checkin.dm.hint": {
            "en": "Reply here, one message per question. `skip` to skip one.",
            "zh": "请直接在这里回复，每条消息回答一个问题。输入 `跳过` 可跳过。",
        },
        "checkin.dm.form_button": {"en": "Answer in a form", "zh": "用表单回答"},
        "checkin.dm.edit_button": {"en": "Edit answers", "zh": "修改回答"},
        "checkin.dm.thanks": {
            "en": "Thanks! {manager} will see your answers. You can edit them until {deadline}.",
            "zh": "谢谢！{manager} 会看到你的回答。{deadline} 之前都可以修改。",
        },
        "checkin.dm.thanks_late": {
            "en": "Thanks! Your answers came in after the deadline; {manager} will still see them.",
            "zh": "谢谢！你的回答晚于截止时间提交，{manager} 仍会看到。",
        },
        "checkin.dm.confidence_again": {
            "en": "Please answer with a number from 1 to 5 (or `skip`).",
            "zh": "请回复 1 到 5 之间的数字（或输入 `跳过`）。",
        },
        "checkin.dm.reminder": {
            "en": "⏰ A reminder: your check-in with {manager} closes {deadline}. {left} of {total} questions left.",
            "zh": "⏰ 提醒：和 {manager} 的进展汇报将在 {deadline} 截止，还剩 {left}/{total} 个问题。",
        },
        "checkin.dm.closed": {
            "en": "This check-in closed at {deadline}; answers can no longer be edited.",
            "zh": "本次进展汇报已于 {deadline} 截止，回答不能再修改。",
        },
        "checkin.dm.not_yours": {"en": "This check-in is not yours.", "zh": "这不是你的进展汇报。"},
        "checkin.form.title": {"en": "Check-in", "zh": "进展汇报"},
        "checkin.form.submit": {"en": "Submit", "zh": "提交"},
        "checkin.form.cancel": {"en": "Cancel", "zh": "取消"},
        "checkin.form.confidence_error": {"en": "A number from 1 to 5, please.", "zh": "请填写 1 到 5 之间的数字。"},
        "checkin.form.empty_is_skip": {"en": "Leave a question empty to skip it.", "zh": "留空即跳过该问题。"},
        "checkin.setup.title": {"en": "Schedule check-ins", "zh": "安排进展汇报"},
        "checkin.setup.reps": {"en": "Reps", "zh": "销售"},
        "checkin.setup.cadence": {"en": "How often", "zh": "频率"},
        "checkin.setup.weekday": {"en": "Day", "zh": "星期"},
        "checkin.setup.time": {"en": "Time (each rep's own time zone)", "zh": "时间（按每位销售所在时区）"},
        "checkin.setup.deadline": {
            "en": "Answers due after (hours) — the one-on-one",
            "zh": "回答期限（小时），即一对一时间",
        },
        "checkin.setup.reminder": {
            "en": "Remind non-responders (hours before the deadline)",
            "zh": "提醒未回答者（截止前几小时）",
        },
        "checkin.setup.channel": {"en": "Post summaries in (empty: your DM)", "zh": "汇总发送到（留空：发给你私信）"},
        "checkin.setup.brief": {"en": "Brief", "zh": glossary.zh("brief")},
        "checkin.setup.brief_option": {
            "en": "Send me a brief an hour before each one-on-one",
            "zh": "每次一对一前一小时给我发送简报",
        },
        "checkin.setup.questions": {"en": "Questions (one per line)", "zh": "问题（每行一个）"},
        "checkin.setup.number_error": {"en": "A whole number of hours, please.", "zh": "请填写整数小时。"},
        "checkin.setup.reps_error": {"en": "Pick at least one rep.", "zh": "请至少选择一位销售。"},
    }
)

WEEKDAYS = {
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "zh": ["周一", "周二", "周三", "周四", "周五", "周六", "周日"],
}


def _lang(language: str) -> str:
    return "zh" if language == "zh" else "en"


def weekday_name(weekday: int, language: str) -> str:
    return WEEKDAYS[_lang(language)][weekday]


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
    days = [_option(name, str(i)) for i, name in enumerate(WEEKDAYS[lang])]
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
                "initial_value": "\n".join(DEFAULT_QUESTIONS[lang]),
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
