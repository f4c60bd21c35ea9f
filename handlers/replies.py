"""The shared shapes of a command's answer: help, and "what I understood, what I did not, what works"."""

from handlers.blocks import Block, context, section
from reports.i18n import add_catalog, t

add_catalog({
    "reply.understood": {"en": "I understood {parts}, but not {rest}.", "zh": "我理解了{parts}，但没看懂{rest}。"},
    "reply.understood_nothing": {"en": "I did not understand {rest}.", "zh": "我没看懂{rest}。"},
    "reply.try": {"en": "Try: {examples}", "zh": "试试：{examples}"},
    "reply.and": {"en": " and ", "zh": "和"},
    "reply.managers_only": {"en": "Only managers can {what}. Ask a manager, or see `/salesbot help`.",
                            "zh": "只有经理可以{what}。请联系经理，或查看 `/salesbot help`。"},
})


def quote(text: str) -> str:
    return f'"{text}"'


def not_understood(*, understood: list[str], rest: str, examples: list[str], language: str) -> list[Block]:
    """What a command understood, what it did not, and examples that work."""
    rest_text = quote(rest.strip()) if rest.strip() else "…"
    if understood:
        joiner = t("reply.and", language)
        line = t("reply.understood", language, parts=joiner.join(f"*{u}*" for u in understood), rest=rest_text)
    else:
        line = t("reply.understood_nothing", language, rest=rest_text)
    tries = " · ".join(f"`{e}`" for e in examples)
    return [section(line), context(t("reply.try", language, examples=tries))]


def managers_only(what: str, language: str) -> list[Block]:
    return [section(t("reply.managers_only", language, what=what))]
