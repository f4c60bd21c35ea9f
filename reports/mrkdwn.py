"""Text from users, CRMs and Slack profiles made safe to post as Slack mrkdwn: the one helper for it.

Slack reads `<…>` in mrkdwn as a control sequence: `<!channel>` pings everyone, `<@U123>` mentions someone,
`<http://evil.example|https://crm.example/123>` shows one address and opens another. Its rule is to escape
`&`, `<` and `>` as `&amp;`, `&lt;`, `&gt;` in any text the app did not write itself; then no sequence can
be formed from data. A bare `@channel`/`@here`/`@everyone` in the text is also kept from ever becoming a
broadcast (in case a message is posted with `link_names`): a word joiner (U+2060, invisible) goes after the @.

Bare addresses are a link too: Slack turns `http://evil.example/win`, `www.evil.com`, `evil.zip` or
`eve@evil.com` in posted text into something clickable by itself. So an invisible word joiner (U+2060) also goes
after the colon of a `scheme://` and after every dot that is followed by a letter (where a domain name ends:
`evil.⁠com`), except before a file type that is no domain ending (`deals.csv`): no scheme or domain a
linkifier recognises is left, and the text still reads exactly as typed (the joiner has no width).
Chosen over wrapping in inline code, which would change how the text looks, break on a backtick in the
data, and is no guarantee (Slack links URLs inside code too); and over a look-alike dot
(`․`), which would change what a reader copies. Numbers (`3.5`, `$1,234.56`) are untouched.

Mentions the bot builds itself (`<@U…>` from a Slack user id, `<#C…>`) are written around escaped text,
never through it, so they stay live; so do the links the bot builds (`<https://…|label>`, label escaped).
"""

import re

__all__ = ["escape", "capped", "plain", "JOINER"]

JOINER = "\u2060"  # WORD JOINER: invisible, no width, and no linkifier reads it as part of an address
_BROADCAST = re.compile(r"([@＠])(channel|here|everyone)\b", re.IGNORECASE)
_SCHEME = re.compile(r"(?<![^\W_])([^\W\d_][\w+.-]*:)(?=[/\\]{2})")  # http:// https:// ftp:// slack://
# A dot between a word and a letter (evil.com, www.x, a@b.zip; not 3.5), unless what follows is a file type
# that is no top-level domain (deals.csv, sheet1.xml stay as they are: no linkifier takes them for an address).
_FILE_TYPES = r"(?:csv|tsv|xlsx?|xml|json|txt|pdf|png|jpe?g|gif|svg|docx?|pptx?)(?![\w.])"
_DOMAIN_DOT = re.compile(rf"(?<=\w)([.。．｡])(?=[^\W\d_])(?!{_FILE_TYPES})", re.IGNORECASE)


def escape(text: object) -> str:
    """`text` with `& < >` escaped, broadcast words defused and addresses unlinkable; safe inside any mrkdwn."""
    s = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _BROADCAST.sub("\\1" + JOINER + "\\2", s)
    s = _SCHEME.sub("\\1" + JOINER, s)
    return _DOMAIN_DOT.sub("\\1" + JOINER, s)


def capped(text: str, limit: int = 200) -> str:
    """At most `limit` characters of `text` (an ellipsis says it was cut): echoing a 100k command back is useless."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def plain(text: str) -> str:
    """Escaped mrkdwn back to what a person typed, for places that are not mrkdwn (a chart title, a file title)."""
    return text.replace(JOINER, "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
