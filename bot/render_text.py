"""Block Kit as readable plain text, for the console: what a user would see in Slack, minus the pixels.

The structure stays visible: a header between `==`, each section's fields two to a line, context lines
marked `›`, images with their alt text and address, and every button, overflow menu and select shown with the
label a user clicks (`:click Share in channel` presses it). A modal or App Home lists its inputs numbered, with
their current value, for `:fill N VALUE` and `:submit`.
"""

import json
import re
from dataclasses import dataclass
from typing import Any

from reports.mrkdwn import plain

Block = dict[str, Any]


def _text(obj: Any) -> str:
    if isinstance(obj, dict):
        return str(obj.get("text", ""))
    return str(obj or "")


@dataclass(frozen=True)
class Clickable:
    """Something a user can press in a message or view: a button, or one option of an overflow/select menu."""

    label: str
    action_id: str
    block_id: str
    kind: str  # the element type: button, overflow, static_select, ...
    value: str = ""
    option: Block | None = None  # the chosen option, for menus
    url: str = ""  # a link button opens this and also sends the action


def options_of(element: Block) -> list[Block]:
    """A menu's options, flattened out of its option groups."""
    found = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        found.extend(group.get("options") or [])
    return found


def _elements(block: Block) -> list[Block]:
    if block.get("type") == "actions":
        return list(block.get("elements") or [])
    accessory = block.get("accessory")
    return [accessory] if isinstance(accessory, dict) else []


def clickables(blocks: list[Block] | None) -> list[Clickable]:
    """Every button and menu option of these blocks, in reading order."""
    found: list[Clickable] = []
    for block in blocks or []:
        for el in _elements(block):
            kind, block_id, action_id = el.get("type", ""), block.get("block_id", ""), el.get("action_id", "")
            if kind == "button":
                found.append(Clickable(_text(el.get("text")) or action_id, action_id, block_id, kind,
                                       str(el.get("value", "")), url=str(el.get("url", ""))))
            elif kind in ("overflow", "static_select", "radio_buttons"):
                for opt in options_of(el):
                    found.append(Clickable(_text(opt.get("text")), action_id, block_id, kind,
                                           str(opt.get("value", "")), option=opt))
    return found


def _element(el: Block) -> str:
    kind = el.get("type")
    if kind == "button":
        style = {"primary": " ✓", "danger": " ⚠"}.get(str(el.get("style")), "")
        return f"[{_text(el.get('text')) or el.get('action_id')}{style}]"
    if kind == "overflow":
        return "[⋯ " + " | ".join(_text(o.get("text")) for o in options_of(el)) + "]"
    if kind and kind.endswith("_select") or kind in ("radio_buttons", "checkboxes"):
        opts = " | ".join(_text(o.get("text")) for o in options_of(el))
        shown = _text(el.get("placeholder")) or kind
        return f"[{shown} ▾{': ' + opts if opts else ''}]"
    if kind == "image":
        return f"[image: {el.get('alt_text', '')}]"
    return _text(el.get("text")) or str(kind or "")


def _fields(fields: list[Any]) -> list[str]:
    """Two fields a line, as Slack lays them out (a phone narrows them to one)."""
    texts = [_text(f) for f in fields]
    width = max((len(line) for t in texts[::2] for line in t.splitlines() or [""]), default=0)
    lines = []
    for i in range(0, len(texts), 2):
        pair = texts[i:i + 2]
        if len(pair) == 2 and "\n" not in pair[0] and "\n" not in pair[1]:
            lines.append(f"  {pair[0].ljust(width)}   {pair[1]}")
        else:
            lines.extend("  " + line for t in pair for line in t.splitlines())
    return lines


def _rich_text(block: Block) -> str:
    parts: list[str] = []
    for section in block.get("elements") or []:
        for el in section.get("elements") or []:
            parts.append(str(el.get("text") or el.get("url") or ""))
    return "".join(parts)


def block_lines(block: Block, fallback: str = "") -> list[str]:
    kind = block.get("type")
    lines: list[str] = []
    if kind == "header":
        lines.append(f"== {_text(block.get('text'))} ==")
    elif kind == "section":
        if block.get("text"):
            lines.append(_text(block["text"]))
        if block.get("fields"):
            lines.extend(_fields(block["fields"]))
        acc = block.get("accessory")
        if isinstance(acc, dict):
            lines.append(("  " if lines else "") + _element(acc))
    elif kind == "context":
        lines.append("  › " + " · ".join(_text(e) if e.get("type") != "image" else f"[{e.get('alt_text', '')}]"
                                         for e in block.get("elements", [])))
    elif kind == "divider":
        lines.append("─" * 40)
    elif kind == "actions":
        lines.append(" ".join(_element(e) for e in block.get("elements", [])))
    elif kind == "image":
        title = _text(block.get("title"))
        title = f" — {title}" if title else ""
        lines.append(f"[image: {block.get('alt_text', '')}{title}] {block.get('image_url', '')}".rstrip())
    elif kind == "input":
        lines.append(f"{_text(block.get('label'))}: {input_value_text(block.get('element') or {})}")
    elif kind == "rich_text":
        lines.append(_rich_text(block) or fallback)
    return lines


_MENTION = re.compile(r"<([@#!])([^>|]+)(?:\|([^>]*))?>")


def mentions(text: str, names: dict[str, str] | None = None) -> str:
    """`<@U1>` as `@Maria Lopez`, `<#C1|sales>` as `#sales`, `<!here>` as `@here` (what Slack draws)."""
    names = names or {}

    def one(m: re.Match[str]) -> str:
        sigil, ident, label = m.group(1), m.group(2), m.group(3)
        if sigil == "!":
            return "@" + (label or ident.split("^")[0])
        return sigil + (label or names.get(ident, ident))

    return _MENTION.sub(one, text)


def render_blocks(blocks: list[Block] | str | None, fallback: str = "", *, names: dict[str, str] | None = None) -> str:
    """`names`: user and channel ids to the names Slack shows for them."""
    if isinstance(blocks, str):
        blocks = json.loads(blocks) if blocks else []
    if not blocks:
        return plain(mentions(fallback, names))
    lines = [line for block in blocks for line in block_lines(block, fallback)]
    return plain(mentions("\n".join(lines), names))  # Slack shows &lt; as <


def input_value_text(element: Block) -> str:
    """The value an input shows before anyone touches it (its initial value), or blanks."""
    kind = element.get("type", "")
    if kind == "plain_text_input":
        value = element.get("initial_value")
        return f"«{value}»" if value else "____"
    if kind == "timepicker":
        return element.get("initial_time") or "__:__"
    if kind == "datepicker":
        return element.get("initial_date") or "____-__-__"
    if kind in ("static_select", "radio_buttons"):
        chosen = _text((element.get("initial_option") or {}).get("text"))
        opts = " | ".join(_text(o.get("text")) for o in options_of(element))
        return f"[{chosen or '—'} ▾] ({opts})"
    if kind == "checkboxes":
        chosen = {o.get("value") for o in element.get("initial_options") or []}
        return " ".join(f"[{'x' if o.get('value') in chosen else ' '}] {_text(o.get('text'))}"
                        for o in options_of(element))
    if kind.endswith("users_select"):
        return " ".join(element.get("initial_users") or []) or "(people)"
    if kind.endswith(("conversations_select", "channels_select")):
        return element.get("initial_conversation") or element.get("initial_channel") or "(#channel)"
    return "____"


def render_view(view: Block | str, *, values: dict[str, str] | None = None, names: dict[str, str] | None = None) -> str:
    """A modal or App Home: its title, its blocks, its inputs numbered (with what was filled in), its buttons."""
    if isinstance(view, str):
        view = json.loads(view)
    values = values or {}
    title = _text(view.get("title")) or ("App Home" if view.get("type") == "home" else "")
    lines = [f"┌ {title}"]
    n = 0
    for block in view.get("blocks", []):
        if block.get("type") == "input":
            n += 1
            optional = " (optional)" if block.get("optional") else ""
            filled = values.get(block.get("block_id", ""))
            shown = f"«{filled}»" if filled is not None else input_value_text(block.get("element") or {})
            lines.append(f"│ {n}. {_text(block.get('label'))}{optional}: {shown}")
        else:
            text = plain(mentions("\n".join(block_lines(block)), names))
            lines.extend("│ " + line for line in text.splitlines())
    if view.get("type") == "modal":
        buttons = f"[{_text(view.get('close')) or 'Cancel'}]"
        if view.get("submit"):
            buttons += f" [{_text(view.get('submit'))}]"
        lines.append(f"└ {buttons}" + ("   — :fill N VALUE, then :submit (or :cancel)" if n else ""))
    else:
        lines.append("└")
    return "\n".join(lines)
