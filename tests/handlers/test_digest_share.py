"""A digest shared with another team's channel in a view made for them (`/digest share`), posted on the digest's
schedule exactly once, in English and Chinese, on SQLite and PostgreSQL."""

from datetime import UTC, date, datetime

from sqlmodel import Session

from db.models import Feedback
from tests.digest_data import TEAM, seed
from tests.handlers.test_digest import _age
from tests.slack_driver import SlackDriver, ack_text, message_text

MONDAY_9_NY = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # the digest's moment; its week is 23-29 Nov 2026
FEEDBACK = [  # (day, product, rating, comment)
    (date(2026, 11, 23), "GTX Pro", 3, "Please add dark mode to the app"),
    (date(2026, 11, 24), "GTX Pro", 3, "please add dark mode <!channel>"),
    (date(2026, 11, 24), "GTX Pro", 1, "The battery died after a week"),
    (date(2026, 11, 25), "GTX Pro", 2, "Battery died on day two"),
    (date(2026, 11, 26), "MG Advanced", 5, "Great sound, setup was easy"),
    (date(2026, 11, 27), "MG Advanced", 5, "Great sound and easy setup"),
    (date(2026, 11, 27), "MG Advanced", 4, "希望增加中文语音"),
]


def _seed(slack: SlackDriver) -> None:
    seed(slack.deps.engine)
    with Session(slack.deps.engine) as session:
        session.add_all([Feedback(team_id=TEAM, external_id=f"F{i}", received_on=day, account="Cancity", product=p,
                                  rating=r, scale=5, comment=c) for i, (day, p, r, c) in enumerate(FEEDBACK)])
        session.commit()


def posts(slack: SlackDriver, channel: str) -> list[str]:
    return [message_text(c.args) for c in slack.fake.successful("chat.postMessage") if c.args.get("channel") == channel]


def test_marketing_and_product_views_go_on_the_digest_schedule_once_each(slack: SlackDriver) -> None:
    _seed(slack)
    slack.command("/digest", "subscribe <#C0SALES|sales> weekly on monday at 09:00")
    slack.command("/digest", "share <#C0MKT|marketing> marketing")
    answer = slack.last_response_text()
    assert "Sharing the marketing view with <#C0MKT>: the market section and what customers say" in answer
    assert "Monday 09:00 (America/New_York)" in answer  # the sales digest's schedule
    slack.command("/digest", "分享 <#C0PROD|product> 产品")
    assert "已向 <#C0PROD> 分享产品视图" in slack.last_response_text()
    slack.command("/digest", "share <#C0PROD|product>")
    which = slack.last_response_text()
    assert "Which view?" in which and "`/digest share #marketing marketing`" in which
    assert "Only managers" in ack_text(slack.command("/digest", "share <#C0PROD|product> product", user="UALICE"))
    listed = ack_text(slack.command("/digest", "list"))
    assert "<#C0MKT> · weekly · Monday 09:00 (America/New_York)" in listed and "marketing view" in listed
    _age(slack)

    slack.tick(datetime(2026, 11, 30, 13, 59, tzinfo=UTC))
    assert posts(slack, "C0MKT") == [] and posts(slack, "C0PROD") == []
    slack.tick(MONDAY_9_NY)
    [marketing] = posts(slack, "C0MKT")
    assert "Market and customers · " in marketing and "23–29 Nov 2026" in marketing
    assert "*Market*" in marketing and "*What customers say*" in marketing
    complaints = next(line for line in marketing.splitlines() if line.startswith("Complaints: "))
    assert "batter" in complaints.lower() and "dark mode" not in complaints.lower()
    assert "Praise:" in marketing and "great sound" in marketing.lower()
    assert "Revenue" not in marketing and "Alice" not in marketing  # the sales figures and people stay with sales

    [product] = posts(slack, "C0PROD")
    assert "产品质量与需求" in product and "*功能需求*" in product
    assert "• GTX Pro：2 条 — “please add dark mode &lt;!channel&gt;”" in product  # newest words, escaped
    assert "• MG Advanced：1 条 — “希望增加中文语音”" in product
    assert "<!channel>" not in product

    slack.tick(MONDAY_9_NY)  # again, and later that day: nothing more
    slack.tick(datetime(2026, 11, 30, 18, 0, tzinfo=UTC))
    assert len(posts(slack, "C0MKT")) == 1 and len(posts(slack, "C0PROD")) == 1
    assert len([u for u in slack.fake.uploads() if u["channel_id"] == "C0SALES"]) == 3  # the sales digest as ever
