"""The reply language follows the Slack locale unless the command's own words are Chinese: a mention, a
quoted phrase or a Chinese name does not switch an English-speaking manager to Chinese (issue 10)."""

from reports.i18n import command_words, has_cjk, language_for
from tests.handlers.test_kpi import seed
from tests.slack_driver import SlackDriver


def test_command_words_leave_out_mentions_quotes_and_names() -> None:
    assert language_for(text=command_words("win rate @张三 last quarter"), locale="en-US") == "en"
    assert language_for(text=command_words('revenue account "腾讯" last month'), locale="en-US") == "en"
    assert language_for(text=command_words("revenue product 小米 Q3", ["小米"]), locale="en-US") == "en"
    assert language_for(text=command_words("上季度 赢单率 @张三"), locale="en-US") == "zh"
    assert language_for(text=command_words("win rate last quarter"), locale="zh-CN") == "zh"


def test_an_english_manager_naming_a_chinese_rep_gets_english(slack: SlackDriver) -> None:
    seed(slack)
    slack.command("/kpi", "", user="UZHANG")  # 张三 becomes known (zh-CN locale): his own answer is Chinese
    assert "你的数据" in slack.last_response_text()
    slack.command("/kpi", "win rate @张三 last quarter", user="UMANAGER")
    text = slack.last_response_text()
    assert "Win rate · 张三 · Q3 2026" in text and "赢单率" not in text
    slack.command("/kpi", "上季度 赢单率 @张三", user="UMANAGER")
    assert "赢单率 · 张三 · 2026年第三季度" in slack.last_response_text()
    slack.command("/checkin", "brief @张三", user="UMANAGER")
    text = slack.last_response_text()
    assert text and not has_cjk(text.replace("张三", ""))  # English apart from the name


def test_a_chinese_account_name_does_not_switch_the_reply(slack: SlackDriver) -> None:
    from datetime import date

    from sqlmodel import Session

    from db.models import Deal

    seed(slack)
    with Session(slack.deps.engine) as session:
        session.add(
            Deal(
                team_id=slack.team_id,
                external_id="CN1",
                status="won",
                amount_cents=123_400,
                created_date=date(2026, 7, 1),
                close_date=date(2026, 8, 3),
                account="腾讯科技",
                product="GTX Pro",
            )
        )
        session.commit()
    slack.command("/kpi", "revenue account 腾讯科技 last quarter", user="UMANAGER")
    text = slack.last_response_text()
    assert "Revenue · Team · 腾讯科技 · Q3 2026" in text and "US$1,234.00" in text
    slack.command("/kpi", "上季度 销售额 客户 腾讯科技", user="UMANAGER")
    assert "销售额 · 团队 · 腾讯科技" in slack.last_response_text()


class DealReadsBeforeAck:
    """Statements that read the deal table outside the listener threads, i.e. in the request before the ack."""

    def __init__(self, engine) -> None:  # type: ignore[no-untyped-def]
        from sqlalchemy import event

        self.statements: list[str] = []
        self.engine = engine
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        import threading

        if "FROM deal" in statement and not threading.current_thread().name.startswith("salesbot-listener"):
            self.statements.append(statement)

    def close(self) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._seen)


def test_a_chinese_line_naming_a_product_is_chinese_without_reading_every_name(slack: SlackDriver) -> None:
    """Its own words (上季度, 销售额, 产品) make it Chinese, so the middleware must not scan every product and
    account name of the deals before the ack (about 1 s on a million deals)."""
    seed(slack)
    reads = DealReadsBeforeAck(slack.deps.engine)
    try:
        slack.command("/kpi", "上季度销售额 按产品", user="UMANAGER")
        assert "销售额" in slack.last_response_text() and "产品" in slack.last_response_text()
        slack.command("/kpi", "上季度 客户 销售额", user="UMANAGER")
        assert "销售额" in slack.last_response_text()
        assert reads.statements == []
    finally:
        reads.close()


def test_an_english_line_with_a_chinese_product_name_is_english_without_reading_every_name(
    slack: SlackDriver,
) -> None:
    """`revenue product 小米 last quarter` from an English-locale manager: the Chinese words after `product` are
    the name, so the reply is English, decided from the words alone (no scan of the deals before the ack)."""
    from datetime import date

    from sqlmodel import Session

    from db.models import Deal

    seed(slack)
    with Session(slack.deps.engine) as session:
        session.add(Deal(team_id=slack.team_id, external_id="CN2", status="won", amount_cents=50_000,
                         created_date=date(2026, 7, 1), close_date=date(2026, 8, 3), account="腾讯 科技",
                         product="小米"))
        session.commit()
    reads = DealReadsBeforeAck(slack.deps.engine)
    try:
        slack.command("/kpi", "revenue product 小米 last quarter", user="UMANAGER")
        text = slack.last_response_text()
        assert "Revenue · Team · 小米 · Q3 2026" in text and "500.00" in text and "销售额" not in text
        slack.command("/kpi", "revenue account 腾讯 科技 last quarter", user="UMANAGER")
        assert "Revenue · Team · 腾讯 科技 · Q3 2026" in slack.last_response_text()
        assert reads.statements == []
    finally:
        reads.close()
    slack.command("/kpi", "product 小米 上季度 销售额", user="UMANAGER")  # Chinese words of its own: Chinese
    assert "销售额 · 团队 · 小米" in slack.last_response_text()


def test_an_english_manager_keeping_a_chinese_competitor_is_answered_in_english(slack: SlackDriver) -> None:
    """`/market competitors add 金蝶` from an English-locale manager: the rest of the line is the competitor's name,
    not the command's words, so the answer is English; written in Chinese words, it is Chinese."""
    seed(slack)
    slack.command("/market", "competitors add 金蝶 Kingdee", user="UMANAGER")
    assert "Added *金蝶 Kingdee* to the competitors" in slack.last_response_text()
    slack.command("/market", "competitors remove 金蝶 Kingdee", user="UMANAGER")
    assert "金蝶 Kingdee" in slack.last_response_text() and "已" not in slack.last_response_text()
    slack.command("/market", "竞争对手 添加 金蝶", user="UMANAGER")
    assert "已将 *金蝶* 加入竞争对手" in slack.last_response_text()
