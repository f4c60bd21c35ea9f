"""A zip bomb dropped in the bot's DM is refused at once with a clear message, and the bot keeps answering
(/kpi acknowledged well within Slack's 3 s) — end to end through the fake Slack, on SQLite and PostgreSQL."""

import time

from sqlalchemy import func, select
from sqlmodel import Session

from db.models import Deal
from tests.db.test_import_limits import zip_bomb
from tests.slack_driver import SlackDriver, message_text


def test_a_zip_bomb_in_a_dm_is_refused_quickly_and_nothing_is_imported(slack: SlackDriver) -> None:
    bomb = zip_bomb()
    info = slack.fake.add_file(bomb, "pipeline.xlsx", user="UMANAGER", filetype="xlsx")
    started = time.perf_counter()
    slack.dm("", user="UMANAGER", files=[info])
    assert time.perf_counter() - started < 3.0
    reply = message_text(slack.fake.calls_to("chat.postMessage")[-1].args)
    assert "pipeline.xlsx was not imported" in reply and "zip bomb" in reply
    ack_started = time.perf_counter()
    assert slack.command("/kpi", "revenue this month").status_code == 200
    assert time.perf_counter() - ack_started < 3.0
    with Session(slack.deps.engine) as session:
        assert session.exec(select(func.count()).select_from(Deal)).scalar() == 0


def test_a_file_over_the_upload_limit_is_refused_before_download(slack: SlackDriver) -> None:
    info = slack.fake.add_file(b"x" * 100, "big.csv", user="UMANAGER")
    info["size"] = slack.deps.max_upload_bytes + 1
    slack.dm("", user="UMANAGER", files=[info])
    assert "the limit is 20 MB" in message_text(slack.fake.calls_to("chat.postMessage")[-1].args)
    assert not slack.fake.calls_to("files.info")


def test_every_file_refusal_reads_in_chinese_too() -> None:
    from db.importers.report import FILE_PROBLEMS, ImportRefused, ImportResult
    from handlers.import_views import result_message

    params = {"detail": "x", "kind": "deals", "missing": "id", "found": "a", "fields": "id", "example": "1/2/26",
              "column": "c", "limit": "5", "size": "9 MB", "member": "m", "ratio": "343", "columns": "12",
              "seconds": "1", "row": "4", "encoding": "UTF-8"}
    for code in FILE_PROBLEMS:
        result = ImportResult("deals", "f.csv", status="refused", refusal=ImportRefused(code, **params))
        zh, en = result_message(result, "zh")["text"], result_message(result, "en")["text"]
        assert "未导入" in zh and zh.split("：", 1)[1] != en.split(": ", 1)[1], code
