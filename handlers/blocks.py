"""Small Block Kit builders shared by every view, so each renderer reads as the message it produces."""

from typing import Any

Block = dict[str, Any]


def section(text: str, *, accessory: Block | None = None) -> Block:
    block: Block = {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}
    if accessory:
        block["accessory"] = accessory
    return block


def sections(lines: list[str], limit: int = 3000) -> list[Block]:
    """Lines packed into as few sections as Slack's 3,000-character limit allows, never cutting one: a long
    table must not lose its last rows (or a `*` that closes bold) to `section`'s cut."""
    blocks: list[Block] = []
    chunk: list[str] = []
    size = 0
    for line in lines:
        line = line[:limit]
        if chunk and size + 1 + len(line) > limit:
            blocks.append(section("\n".join(chunk)))
            chunk, size = [], 0
        chunk.append(line)
        size += len(line) + (1 if size else 0)
    if chunk:
        blocks.append(section("\n".join(chunk)))
    return blocks


def fields(*texts: str) -> Block:
    return {"type": "section", "fields": [{"type": "mrkdwn", "text": t[:2000]} for t in texts[:10]]}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": t[:2000]} for t in texts[:10]]}


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150], "emoji": True}}


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str = "", *, style: str | None = None, url: str | None = None) -> Block:
    el: Block = {"type": "button", "text": {"type": "plain_text", "text": text[:75], "emoji": True},
                 "action_id": action_id}
    if value:
        el["value"] = value[:2000]
    if style:
        el["style"] = style
    if url:
        el["url"] = url
    return el


def actions(*elements: Block, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements)}
    if block_id:
        block["block_id"] = block_id
    return block


def message(text: str, blocks: list[Block], **extra: Any) -> dict[str, Any]:
    """A message payload: `text` is the notification/fallback, `blocks` the rendering."""
    return {"text": text[:3000], "blocks": blocks[:50], **extra}
