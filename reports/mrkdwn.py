"""Text from users, CRMs and Slack profiles made safe to post as Slack mrkdwn: the one helper for it.

Slack reads `<…>` in mrkdwn as a control sequence: `<!channel>` pings everyone, `<@U123>` mentions someone,
`<http://evil.example|https://crm.example/123>` shows one address and opens another. Its rule is to escape
`&`, `<` and `>` as `&amp;`, `&lt;`, `&gt;` in any text the app did not write itself; then no sequence can
be formed from data. A bare `@channel`/`@here`/`@everyone` in the text is also kept from ever becoming a
broadcast (in case a message is posted with `link_names`): a word joiner (U+2060, invisible) goes after the @.

Mentions the bot builds itself (`<@U…>` from a Slack user id, `<#C…>`) are written around escaped text,
never through it, so they stay live.
"""

import re

__all__ = ["escape", "capped", "plain"]

_BROADCAST = re.compile(r"([@＠])(channel|here|everyone)\b", re.IGNORECASE)


def escape(text: object) -> str:
    """`text` with `& < >` escaped and broadcast words defused; safe inside any mrkdwn text."""
    s = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub("\\1\u2060\\2", s)


def capped(text: str, limit: int = 200) -> str:
    """At most `limit` characters of `text` (an ellipsis says it was cut): echoing a 100k command back is useless."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def plain(text: str) -> str:
    """Escaped mrkdwn back to what a person typed, for places that are not mrkdwn (a chart title, a file title)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
