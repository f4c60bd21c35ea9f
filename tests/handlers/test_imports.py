"""A manager drops an export into the bot's DM: it is downloaded with the bot token, imported, answered in thread."""

from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import Session

from db.models import Deal, Member
from tests.slack_driver import SlackDriver, message_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"


def _drop(slack: SlackDriver, content: bytes, name: str, *, user: str = "UMANAGER", text: str = "") -> dict:
    info = slack.fake.add_file(content, name, user=user, filetype=name.rsplit(".", 1)[-1])
    slack.dm(text, user=user, files=[info])
    posts = slack.fake.calls_to("chat.postMessage")
    assert posts, "no reply"
    return posts[-1].args


def _count(slack: SlackDriver) -> int:
    with Session(slack.deps.engine) as session:
        return session.exec(select(func.count()).select_from(Deal)).scalar()


def test_a_dropped_salesforce_export_is_imported_and_summarised_in_the_thread(slack: SlackDriver) -> None:
    slack.fake.add_user("UJANE", "Jane Cooper", email="jane.cooper@acme-sales.example.com")
    reply = _drop(slack, (FIXTURES / "salesforce_opportunities.csv").read_bytes(), "opps.csv")
    text = message_text(reply)
    assert "Imported 6 deals" in text and "Inserted 6" in text and "Closed Won → won (2)" in text
    assert reply["thread_ts"] and reply["channel"] == "DMANAGER"
    assert _count(slack) == 6
    downloads = slack.fake.calls_to("file_download")
    assert downloads and downloads[0].args["authorized"]
    assert "CRM owners linked to Slack people: 1 — 1 by e-mail (Jane Cooper)" in text
    assert '`/salesbot link "Ravi Patel" @someone`' in text  # Ravi has no Slack user: the line to run
    with Session(slack.deps.engine) as session:
        jane = session.exec(select(Member).where(Member.crm_name == "Jane Cooper")).scalar_one()
    assert jane.slack_user_id == "UJANE"


def test_a_file_with_bad_rows_is_refused_with_rows_and_reasons_and_nothing_stored(slack: SlackDriver) -> None:
    bad = b"id,owner,stage,amount,close_date\n1,Ann,Won,100,2026-01-05\n2,Ann,Won,,2026-01-05\n3,Ann,Won,5,\n"
    text = message_text(_drop(slack, bad, "bad.csv"))
    assert "bad.csv was not imported" in text and "2 bad row(s)" in text
    assert "Row 3, amount: won deal without an amount" in text and "Row 4, close_date" in text
    assert _count(slack) == 0
    text = message_text(_drop(slack, bad, "bad.csv", text="skip bad rows"))
    assert "Imported 1 deal*" in text and _count(slack) == 1  # not "1 deals"
    upload = slack.fake.uploads()[-1]
    assert upload["name"] == "bad-rejected.csv" and b"won deal without an amount" in upload["content"]
    assert upload["thread_ts"]


def test_skipped_rows_past_the_kept_limit_are_said_in_the_summary(slack: SlackDriver, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from db.importers import report

    monkeypatch.setattr(report, "MAX_REJECTED_KEPT", 1)
    bad = b"id,owner,stage,amount,close_date\n1,Ann,Won,100,2026-01-05\n2,Ann,Won,,2026-01-05\n3,Ann,Won,5,\n"
    text = message_text(_drop(slack, bad, "bad.csv", text="skip bad rows"))
    assert "2 bad row(s) were skipped; the attached CSV lists the first 1." in text and _count(slack) == 1
    upload = slack.fake.uploads()[-1]
    assert upload["content"].count(b"won deal without an amount") == 1 and b"close_date" in upload["content"]


def test_the_same_export_twice_changes_nothing(slack: SlackDriver) -> None:
    data = (FIXTURES / "fxiaoke_opportunities.csv").read_bytes()
    _drop(slack, data, "商机.csv")
    text = message_text(_drop(slack, data, "商机.csv"))
    assert "unchanged 5" in text and _count(slack) == 5


def test_reps_cannot_import(slack: SlackDriver) -> None:
    text = message_text(_drop(slack, (FIXTURES / "hubspot_deals.csv").read_bytes(), "d.csv", user="UREP"))
    assert "Only managers can import files" in text and _count(slack) == 0
    assert slack.fake.calls_to("file_download") == []


def test_files_over_the_size_cap_are_refused_with_a_message(slack: SlackDriver) -> None:
    big = b"id,owner,stage,amount,close_date\n" + b"1,Ann,Won,100,2026-01-05\n" * (
        slack.deps.max_upload_bytes // 25 + 10
    )
    text = message_text(_drop(slack, big, "huge.csv"))
    assert "huge.csv" in text and "the limit is 20 MB" in text and _count(slack) == 0
    assert slack.fake.calls_to("file_download") == []


def test_targets_and_feedback_files_are_recognised_by_their_columns(slack: SlackDriver) -> None:
    text = message_text(_drop(slack, (FIXTURES / "targets.csv").read_bytes(), "targets.csv"))
    assert "Imported 5 targets" in text
    text = message_text(_drop(slack, (FIXTURES / "feedback.csv").read_bytes(), "fb.csv"))
    assert "Imported 4 feedback items" in text


def test_a_dropped_rates_file_is_recognised_checked_and_imported(slack: SlackDriver) -> None:
    from db.models import ExchangeRate

    bad = "币种,生效日期,汇率\nCNY,2026-01-01,0.1385\n人民币,2026-07-01,-2\n".encode()
    text = message_text(_drop(slack, bad, "汇率.csv"))
    assert "汇率.csv was not imported" in text and "Row 3, 汇率" in text
    good = b"currency,date,rate\nCNY,2026-01-01,0.1385\nEUR,2026-01-01,1.08\n"
    text = message_text(_drop(slack, good, "rates.csv"))
    assert "Imported 2 exchange rates" in text
    with Session(slack.deps.engine) as session:
        stored = session.exec(select(ExchangeRate.currency, ExchangeRate.rate_micros)).all()
    assert sorted(stored) == [("CNY", 138_500), ("EUR", 1_080_000)]


def test_unknown_stages_are_named_once_with_counts_and_the_words_that_map_them(slack: SlackDriver) -> None:
    """A file of order statuses (Shipped, Cancelled): the refusal names each stage with its rows and the words
    to send with the file; sent again with those words, it imports."""
    rows = "".join(f"{i},Ann,{'Shipped' if i % 4 else 'Cancelled'},100,2026-01-05\n" for i in range(1, 41))
    data = ("id,owner,stage,amount,close_date\n" + rows).encode()
    text = message_text(_drop(slack, data, "orders.csv"))
    assert "40 bad row(s)" in text and "*Stages not known*: Shipped (30), Cancelled (10)." in text
    assert '`--stage-map "Shipped=won" --stage-map "Cancelled=lost"`' in text and _count(slack) == 0
    text = message_text(_drop(slack, data, "orders.csv", text='--stage-map "Shipped=won" --stage-map "Cancelled=lost"'))
    assert "Imported 40 deals" in text and _count(slack) == 40


def test_a_dropped_account_export_is_recognised_refused_on_a_bad_row_and_imported(slack: SlackDriver) -> None:
    from db.models import Account

    bad = "客户名称,行业,国家/省份/地区,人员规模\n上海明远科技有限公司,制造业,上海,100-499人\n北京华通,金融,北京,很多\n"
    text = message_text(_drop(slack, bad.encode(), "客户.csv"))
    assert "客户.csv was not imported" in text and "Row 3, 人员规模: employees not a number" in text
    good = "Account Name,Industry,Billing Country,Employees\nBluth Co.,Retail,United States,1200\n"
    text = message_text(_drop(slack, good.encode(), "accounts.csv"))
    assert "Imported 1 account*" in text
    with Session(slack.deps.engine) as session:
        stored = session.exec(select(Account.name, Account.sector, Account.employees)).all()
    assert stored == [("Bluth Co.", "Retail", 1200)]
