"""Block Kit as readable plain text, for the console: what a user would see in Slack, minus the pixels."""

import json
from typing import Any

from reports.mrkdwn import plain


def _text(obj: Any) -> str:
    if isinstance(obj, dict):
        return str(obj.get("text", ""))
    return str(obj or "")


def render_blocks(blocks: list[dict[str, Any]] | str | None, fallback: str = "") -> str:
    if isinstance(blocks, str):
        blocks = json.loads(blocks) if blocks else []
    if not blocks:
        return plain(fallback)
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            lines.append(f"== {_text(block.get('text'))} ==")
        elif kind == "section":
            if block.get("text"):
                lines.append(_text(block["text"]))
            if block.get("fields"):
                lines.append("  |  ".join(_text(f) for f in block["fields"]))
            acc = block.get("accessory")
            if acc and acc.get("type") == "button":
                lines.append(f"[{_text(acc.get('text'))}]")
        elif kind == "context":
            lines.append("  " + " · ".join(_text(e) if e.get("type") != "image" else e.get("alt_text", "")
                                           for e in block.get("elements", [])))
        elif kind == "divider":
            lines.append("-" * 40)
        elif kind == "actions":
            lines.append(" ".join(f"[{_text(e.get('text')) or e.get('action_id')}]"
                                  for e in block.get("elements", [])))
        elif kind == "image":
            lines.append(f"[image: {block.get('alt_text', '')}]")
        elif kind == "input":
            lines.append(f"{_text(block.get('label'))}: ____")
        elif kind == "rich_text":
            lines.append(fallback)
    return plain("\n".join(line for line in lines if line is not None))  # Slack shows &lt; as <


def render_view(view: dict[str, Any] | str) -> str:
    if isinstance(view, str):
        view = json.loads(view)
    title = _text(view.get("title"))
    return f"┌ {title}\n" + render_blocks(view.get("blocks", []))
