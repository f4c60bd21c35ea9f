"""`/feedback themes …` over signed requests, on SQLite and PostgreSQL: the themes of one product or account, the
products and accounts side by side, in English and Chinese, with "did you mean" for a misspelt name."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert

from db.models import Feedback
from reports import feedback_scopes as scopes
from reports import feedback_themes as ft
from tests.handlers.test_feedback import seed
from tests.reports.test_feedback_signals import insert_history
from tests.slack_driver import SlackDriver


@pytest.fixture(autouse=True)
def _fresh_memory() -> None:
    ft.clear_cache()


def _isdom(slack: SlackDriver, ids: dict[str, int]) -> None:
    """Isdom (张三's account) complains about invoices in Chinese, in the last 30 days."""
    texts = ["发票开错了", "发票又开错了，很失望", "发票抬头错误"]
    rows = [
        dict(
            team_id=slack.team_id,
            source="t",
            external_id=f"I{i}",
            account="Isdom",
            product="MG Special",
            rating=2,
            scale=5,
            received_on=date(2026, 11, 10 + i),
            comment=texts[i % 3],
            member_id=ids["zhang"],
            created_at=datetime(2026, 11, 20, tzinfo=UTC),
        )
        for i in range(6)
    ]
    with slack.deps.engine.begin() as conn:
        conn.execute(insert(Feedback.__table__), rows)  # type: ignore[attr-defined]


def test_a_manager_reads_the_themes_of_one_product(slack: SlackDriver) -> None:
    seed(slack)
    insert_history(slack.deps.engine, slack.team_id)
    slack.command("/feedback", 'themes product "gtx pro" last 30 days', user="UMANAGER")
    text = slack.last_response_text()
    assert "*Themes · product GTX Pro · last 30 days" in text
    assert "24 items" in text  # 14 battery complaints + 10 happy reviews; MG Special's are not counted
    assert "*Top complaints*\n• “battery” — 14 ▲ (3)" in text
    assert "“screen”" not in text  # the other product's complaint
    assert "*Top praise*" in text and "“speed”" in text or "“works great”" in text
    assert "⚠ GTX Pro: “battery” complaints 3 → 14" in text  # its quality signal


def test_chinese_account_themes_and_the_breakdown_by_product(slack: SlackDriver) -> None:
    _isdom(slack, seed(slack))
    insert_history(slack.deps.engine, slack.team_id)
    slack.command("/feedback", "话题 客户 isdom 最近30天", user="UMANAGER")
    text = slack.last_response_text()
    assert "*话题 · 客户 Isdom · " in text and "6 条" in text
    assert "*主要抱怨*\n• “发票”" in text or "*主要抱怨*\n• “发票开错”" in text
    slack.command("/feedback", "themes by product last 30 days", user="UMANAGER")
    text = slack.last_response_text()
    assert "*Themes by product · last 30 days" in text
    gtx = next(line for line in text.splitlines() if line.startswith("*GTX Pro*"))
    assert "24 items" in gtx and "complaint: “battery” (14)" in gtx
    mg = next(line for line in text.splitlines() if line.startswith("*MG Special*"))
    assert "12 items" in mg and "complaint: “screen flickers” (6)" in mg


def test_a_misspelt_product_gets_did_you_mean_and_a_rep_sees_only_their_accounts(slack: SlackDriver) -> None:
    _isdom(slack, seed(slack))
    insert_history(slack.deps.engine, slack.team_id)
    slack.command("/feedback", "themes product GTX Pr last 30 days", user="UMANAGER")
    text = slack.last_response_text()
    assert "No feedback names the product *GTX Pr*." in text and "Did you mean: *GTX Pro*?" in text
    assert '`/feedback themes product "GTX Pro"`' in text
    slack.command("/feedback", "话题 产品 MG Specail", user="UZHANG")
    assert "你是指：*MG Special*？" in slack.last_response_text()
    # 张三 owns Isdom only: MG Special's screen complaints from Cancity are not his to see.
    slack.command("/feedback", "themes product 'MG Special' last 30 days", user="UZHANG")
    text = slack.last_response_text()
    assert "6 条" in text and "screen" not in text  # 张三 reads Chinese (his Slack locale)
    slack.command("/feedback", "themes product", user="UMANAGER")
    assert "I did not understand \"which product\"." in slack.last_response_text()


@pytest.mark.parametrize(
    ("text", "scope", "name", "period"),
    [
        ('product "GTX Pro" last quarter', scopes.PRODUCT, "GTX Pro", "Q3 2026"),
        ("account Cancity", scopes.ACCOUNT, "Cancity", None),
        ("产品 GTX Pro 上季度", scopes.PRODUCT, "GTX Pro", "Q3 2026"),
        ("客户：上海明远 本月", scopes.ACCOUNT, "上海明远", "November 2026"),
        ("by product last month", scopes.BY_PRODUCT, "", "October 2026"),
        ("按客户", scopes.BY_ACCOUNT, "", None),
        ("last month", scopes.TEAM, "", "October 2026"),
    ],
)
def test_reading_a_themes_request(text: str, scope: str, name: str, period: str | None) -> None:
    r = scopes.read_request(text, today=date(2026, 11, 26), language="en")
    assert (r.scope, r.name, r.problem) == (scope, name, "")
    assert (r.period.label("en").split(" (")[0] if r.period else None) == period
