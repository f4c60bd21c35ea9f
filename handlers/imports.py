"""A manager drops a CSV/XLSX export into a DM with the bot: it is imported and answered in the file's thread.

Bolt acknowledges the event before this route runs (in the listener executor), so the download and the import
happen after the ack. Words sent with the file steer it: `targets` / `feedback` / `accounts` (else guessed from the
columns), a CRM name, `DMY`/`MDY`, `skip bad rows`, and the CLI's `--map`/`--stage-map` flags.
"""

import logging
import shlex
import urllib.request
from typing import Any

from bot.metrics import observe_import
from db.importers import ImportOptions, import_file
from db.importers.formats import guess_kind
from db.importers.limits import Budget, ImportLimits
from db.importers.options import parse_pairs
from db.importers.reading import read_header
from db.importers.report import ImportRefused
from handlers import direct_messages
from handlers.context import asker_of, deps_of
from handlers.import_views import result_message
from handlers.people import ensure_directory, link_owners_through_slack
from handlers.replies import managers_only
from reports import mrkdwn
from reports.i18n import t

log = logging.getLogger(__name__)
TABLE_TYPES = {"csv", "tsv", "xlsx", "text", "txt"}
SLACK_IMPORT_SECONDS = 120.0  # the time budget of a file dropped in Slack (the CLI's is ImportLimits.seconds)
_KIND_WORDS = {
    "deals": "deals",
    "商机": "deals",
    "targets": "targets",
    "target": "targets",
    "目标": "targets",
    "feedback": "feedback",
    "反馈": "feedback",
    "评价": "feedback",
    "rates": "rates",
    "rate": "rates",
    "汇率": "rates",
    "accounts": "accounts",
    "account": "accounts",
    "companies": "accounts",
    "客户": "accounts",
}
_FORMATS = {
    "salesforce": "salesforce",
    "hubspot": "hubspot",
    "zoho": "zoho",
    "fxiaoke": "fxiaoke",
    "sharecrm": "fxiaoke",
    "纷享销客": "fxiaoke",
    "generic": "generic",
}


def options_from_text(text: str) -> tuple[str | None, ImportOptions]:
    """(kind or None, options) from the words sent with a file."""
    lowered = (text or "").lower()
    try:
        words = shlex.split((text or "").replace("“", '"').replace("”", '"'))
    except ValueError:
        words = (text or "").split()
    options = ImportOptions(
        skip_bad_rows="skip bad rows" in lowered or "--skip-bad-rows" in lowered or "跳过错误行" in lowered
    )
    kind = None
    maps: list[str] = []
    stages: list[str] = []
    for i, word in enumerate(words):
        w = word.lower()
        kind = kind or _KIND_WORDS.get(w)
        if w in _FORMATS:
            options.file_format = _FORMATS[w]
        if w.upper() in ("DMY", "MDY", "YMD"):
            options.date_order = w.upper()
        if w in ("--map", "--stage-map") and i + 1 < len(words):
            (maps if w == "--map" else stages).append(words[i + 1])
    try:
        options.column_map = parse_pairs(maps, what="--map")
        options.stage_map = {
            k: v.lower()
            for k, v in parse_pairs(stages, what="--stage-map").items()
            if v.lower() in ("open", "won", "lost")
        }
    except ValueError:
        pass
    return kind, options


def download(url: str, token: str, limit: int) -> bytes:
    """A file's bytes from Slack (url_private_download needs the bot token); at most `limit` + 1 bytes."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - Slack's own file URL
        return response.read(limit + 1)


def on_file_shared(event: dict[str, Any], context: Any, client: Any) -> bool:
    """The DM route: handles messages that share files, and only those."""
    files = event.get("files") or []
    if event.get("subtype") != "file_share" or not files:
        return False
    asker, deps = asker_of(context), deps_of(context)
    lang = asker.language
    channel, thread = event["channel"], event.get("ts")

    def reply(message: dict[str, Any]) -> None:
        client.chat_postMessage(channel=channel, thread_ts=thread, **message)

    if not asker.is_manager:
        blocks = managers_only(t("import.what", lang), lang)
        reply({"text": blocks[0]["text"]["text"], "blocks": blocks})
        return True
    kind_word, options = options_from_text(event.get("text") or "")
    options.limits = ImportLimits(max_bytes=deps.max_upload_bytes, seconds=SLACK_IMPORT_SECONDS)
    for shared in files:
        name = shared.get("name") or shared.get("title") or shared.get("id", "file")
        shown = mrkdwn.escape(name)
        limit = deps.max_upload_bytes
        if int(shared.get("size") or 0) > limit:
            reply(
                {
                    "text": t(
                        "import.too_large",
                        lang,
                        file=shown,
                        size=f"{int(shared['size']) / 2**20:.1f}",
                        limit=limit // 2**20,
                    )
                }
            )
            continue
        if (shared.get("filetype") or name.rsplit(".", 1)[-1]).lower() not in TABLE_TYPES:
            reply({"text": t("import.not_table", lang, file=shown)})
            continue
        info = client.files_info(file=shared["id"])["file"]
        data = download(info.get("url_private_download") or info["url_private"], deps.bot_token or client.token, limit)
        if len(data) > limit:
            size = f"{len(data) / 2**20:.1f}+"
            reply({"text": t("import.too_large", lang, file=shown, size=size, limit=limit // 2**20)})
            continue
        kind = kind_word
        if kind is None:
            try:
                kind = guess_kind(read_header(data, name, Budget(options.limits)))
            except ImportRefused:
                kind = "deals"  # the import itself reports why the file cannot be read
        ensure_directory(client, deps, asker.team_id)  # owners link to people of the directory
        result = import_file(deps.engine, kind, data, filename=name, team_id=asker.team_id, options=options)
        observe_import(result.kind, inserted=result.inserted, updated=result.updated, unchanged=result.unchanged,
                       rejected=result.rejected, refused_rows=result.rows if result.refused else 0)
        if not result.refused:
            link_owners_through_slack(client, deps, result)
        reply(result_message(result, lang))
        if result.rejected_rows:
            client.files_upload_v2(
                channel=channel,
                thread_ts=thread,
                content=result.rejected_csv(),
                filename=f"{name.rsplit('.', 1)[0]}-rejected.csv",
                title=f"{name}: rejected rows",
            )
    return True


def on_file_shared_event(event: dict[str, Any]) -> None:
    """`file_shared` arrives beside the DM message that carries the file; that message does the import."""


def register(app: Any) -> None:
    direct_messages.add_route("imports", on_file_shared, priority=10)
    app.event("file_shared")(on_file_shared_event)
