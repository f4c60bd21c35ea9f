"""No text from data can ping or render a link: hostile names, comments and answers go through every view
that posts them, end to end through the fake Slack, on SQLite and PostgreSQL (README "Guarantees")."""

import json
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from db.importers import ImportOptions, import_file, resolve_team
from reports.mrkdwn import JOINER
from tests.slack_driver import SlackDriver, ack_text, message_text

PING = "<!channel>"
LINK = "<http://evil.example/win|https://salesforce.com/opportunity/123>"
VICTIM = "<@UVICTIM>"
HOSTILE = f"{PING} Eve {VICTIM} & @here"
OWNER = f"{PING} Eve @everyone"
ACCOUNT = f"Acme {LINK}"
PRODUCT = f"GTX <!here> {VICTIM}"
STAGE = "<!subteam^S0SALES> Won"

# What must never reach Slack from data: a broadcast, a live link or mention, a bare broadcast word.
_LIVE_SEQUENCE = re.compile(r"<(?!@U[A-Z0-9]+>|#C[A-Z0-9]+(?:\|[\w-]+)?>)")  # only the bot's own mentions
_BARE_BROADCAST = re.compile(r"[@＠](?:channel|here|everyone)\b", re.IGNORECASE)
# What Slack turns into a link by itself in posted text: a scheme://, www., an address, a name.tld (the bot
# writes no address of its own, so any of these came from data).
AUTOLINK = re.compile(r"(?:(?<![^\W_])[^\W\d_][\w+.-]*:[/\\]{2}|(?<![^\W_])www\.\w|[\w.+-]+@[\w-]+\.[^\W\d_]{2}"
                      r"|[\w-]\.(?:com|net|org|io|zip|mov|example|co|cn|app|dev)\b)", re.IGNORECASE)
BARE_URLS = ["http://evil.example/win?x=1", "HTTPS://evil.com/a", "www.evil.com", "eve@evil.zip", "evil.mov",
             "slack://open?team=T1", "ftp:\\\\evil.net"]
BARE = " ".join(BARE_URLS)


def readable(text: str) -> str:
    """What a reader sees: the invisible word joiners that keep addresses from linking take no space."""
    return text.replace(JOINER, "")


def visible_texts(node: Any, out: list[str]) -> list[str]:
    """The texts Slack renders in a payload (`text` fields at any depth; not button values or ids)."""
    if isinstance(node, str):
        try:
            node = json.loads(node)
        except ValueError:
            return out
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("text", "initial_comment") and isinstance(value, str):
                out.append(value)
            elif key in ("blocks", "view", "text", "elements", "fields", "accessory", "title"):
                visible_texts(value, out)
    elif isinstance(node, list):
        for item in node:
            visible_texts(item, out)
    return out


def posted_texts(slack: SlackDriver, responses: list[Any] = ()) -> list[str]:  # type: ignore[assignment]
    """Every text the app sent to Slack: acks, messages, ephemeral answers, Home views, upload comments."""
    texts = [ack_text(r) for r in responses if r.text]
    for method in ("chat.postMessage", "chat.postEphemeral", "chat.update", "response_url", "views.publish"):
        for call in slack.fake.calls_to(method):
            texts += visible_texts(call.args, [])
    texts += [str(u.get("initial_comment") or "") for u in slack.fake.uploads()]
    return texts


def assert_nothing_live(texts: list[str]) -> None:
    for text in texts:
        assert "<!" not in text, text
        assert "<http" not in text, text
        assert "UVICTIM>" not in text or "&lt;@UVICTIM&gt;" in text, text
        assert not _LIVE_SEQUENCE.search(text), text
        assert not _BARE_BROADCAST.search(text), text
        assert not AUTOLINK.search(text), text


def _seed(slack: SlackDriver) -> None:
    team = resolve_team(slack.deps.engine, slack.team_id)
    deals = (
        "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value\n"
        f'D1,"{OWNER}","{PRODUCT}","{ACCOUNT}","{STAGE}",2026-10-01,2026-11-10,5000\n'
        f'D2,"{OWNER}","{PRODUCT}","{ACCOUNT}",Prospecting,2026-11-02,,7000\n'
        f'D3,Zed,Plain,Beta,Won,2026-10-01,2026-11-12,3000\n'
    )
    result = import_file(
        slack.deps.engine,
        "deals",
        deals.encode(),
        filename=f"{PING}.csv",
        team_id=team,
        options=ImportOptions(stage_map={STAGE: "won"}),
    )
    assert result.inserted == 3, result
    feedback = f'date,account,rating,comment\n2026-11-20,"{ACCOUNT}",1,"{HOSTILE} {LINK}"\n'
    assert import_file(slack.deps.engine, "feedback", feedback.encode(), filename="f.csv", team_id=team).inserted == 1


def test_kpi_views_digest_feedback_home_and_admin_post_no_live_data(slack: SlackDriver) -> None:
    slack.fake.add_user("UMANAGER", HOSTILE, tz="UTC")
    _seed(slack)
    acks = []
    for text in (
        "revenue by rep this month export",
        "revenue by account this month export",
        "revenue by product this month",
        "leaderboard this month export",
        "pipeline by account this month",
        f"revenue product {PRODUCT} this month",
        f"revenue account {ACCOUNT} this month",
        f"revenue {HOSTILE} this month",
        f"revenue @{OWNER}",
    ):
        acks.append(slack.command("/kpi", text))
    by_account = message_text(slack.responses()[1])
    assert "Acme &lt;http://evil.example/win|https://salesforce.com/opportunity/123&gt;" in readable(by_account)
    value = slack.responses()[0]["blocks"][0]["accessory"]["value"]
    slack.click("kpi_share", value)
    shared = slack.responses()[-1]
    assert shared["response_type"] == "in_channel" and "Shared by <@UMANAGER>" in message_text(shared)
    assert "&lt;!channel&gt; Eve @\u2060everyone" in message_text(shared)
    acks.append(slack.command("/digest", "preview"))
    acks.append(slack.command("/feedback", f'"{ACCOUNT}" 1 {HOSTILE} {LINK} {BARE}'))
    acks.append(slack.command("/feedback", "summary this month"))
    acks.append(slack.command("/market", f"competitors add {HOSTILE} {LINK}"))
    acks.append(slack.command("/market", "competitors"))
    acks.append(slack.command("/market", "this month"))
    acks.append(slack.command("/salesbot", "unlinked"))
    acks.append(slack.command("/salesbot", f'link "{OWNER}" <@UMANAGER>'))
    acks.append(slack.command("/target", f"set revenue 1000 this month @{OWNER}"))
    acks.append(slack.command("/target", "list"))
    acks.append(slack.command("/target", "x" * 100_000))
    slack.event({"type": "app_home_opened", "user": "UMANAGER", "tab": "home", "channel": "DMANAGER"})
    texts = posted_texts(slack, acks)
    assert any("Eve" in t for t in texts) and any("evil.example" in readable(t) for t in texts)  # shown, not live
    assert len(slack.fake.uploads()) >= 3  # the exports' comments are checked too
    assert_nothing_live(texts)
    assert max(len(t) for t in texts) < 5_000  # a 100k-character command is not echoed back whole


def test_a_hostile_import_summary_is_escaped(slack: SlackDriver) -> None:
    bad = f'opportunity_id,sales_agent,deal_stage,close_date,close_value\nA1,"{OWNER}","{STAGE}",2026-11-01,x\n'
    good = f'opportunity_id,sales_agent,deal_stage,close_date,close_value\nA1,"{OWNER}",Won,2026-11-01,5\n'
    for content in (bad, good, f"{LINK},{PING}\n1,2\n"):
        info = slack.fake.add_file(content.encode(), f"{PING} {LINK}.csv", user="UMANAGER")
        slack.dm("", user="UMANAGER", files=[info])
    texts = posted_texts(slack)
    assert len(slack.fake.calls_to("chat.postMessage")) == 3
    assert_nothing_live(texts)


def test_check_in_answers_reach_the_manager_and_channel_escaped(slack: SlackDriver) -> None:
    slack.fake.add_user("UMANAGER", "Maria Lopez", tz="UTC")
    slack.fake.add_user("UALICE", HOSTILE, tz="UTC")
    slack.command("/checkin", "schedule <@UALICE> weekly on friday at 16:00 to <#CSALES|sales> brief")
    friday = date(2026, 11, 27)
    at = datetime.combine(friday, time(16, 5), tzinfo=ZoneInfo("UTC")).astimezone(UTC)
    assert slack.tick(at).sent >= 1
    for answer in (f"{PING} closed it, see {LINK} {BARE}", f"{VICTIM} @channel blocked", "skip", f"<!everyone> {LINK}",
                   "4"):
        slack.dm(answer, user="UALICE")
    slack.tick(at + timedelta(minutes=5))
    slack.tick(at + timedelta(hours=72, minutes=5))
    slack.command("/checkin", "history <@UALICE>")
    slack.command("/checkin", "brief <@UALICE>")
    texts = posted_texts(slack)
    to_manager = [t for t in texts if "closed it" in t]
    assert to_manager and any("&lt;http://evil.example/win|" in readable(t) for t in to_manager)
    assert any(BARE in readable(t) for t in to_manager)  # readable as typed, and (below) nothing links
    posts = slack.fake.calls_to("chat.postMessage")
    channel = [message_text(c.args) for c in posts if c.args.get("channel") == "CSALES"]
    assert channel, "the round summary goes to the channel"
    assert_nothing_live(texts)


COMMAND_PIECES = [*BARE_URLS, "<!channel>", "<!here>", "<!everyone>", "<http://evil.example|https://crm.example/1>",
                  "@here", "@channel", "&", "<", ">", "revenue", "by account", "this month", "set", "list", "summary",
                  "schedule", "preview", "1", "Acme", "张三", "\u202e", "x" * 300]


def test_any_command_text_gets_an_answer_without_a_live_ping_or_link(slack: SlackDriver) -> None:
    """Hypothesis over every slash command with adversarial words: an answer, and nothing live in it."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    words = st.lists(st.sampled_from(COMMAND_PIECES), min_size=1, max_size=6).map(" ".join)
    commands = st.sampled_from(["/kpi", "/target", "/digest", "/checkin", "/feedback", "/salesbot"])

    @settings(max_examples=12, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(command=commands, text=words)
    def check(command: str, text: str) -> None:
        slack.fake.reset()
        ack = slack.command(command, text)
        assert ack.status_code == 200
        texts = posted_texts(slack, [ack])
        assert any(t.strip() for t in texts), (command, text)
        assert_nothing_live(texts)

    check()


def test_a_target_beyond_the_amount_range_is_refused_with_an_example(slack: SlackDriver) -> None:
    slack.command("/target", "set revenue 99999999999999999999999 this month")
    reply = message_text(slack.responses()[-1])
    assert "A target goes up to 1,000,000,000,000" in reply and "/target set revenue" in reply
    from sqlalchemy import select
    from sqlmodel import Session

    from db.models import Target

    with Session(slack.deps.engine) as session:
        assert session.exec(select(Target)).first() is None
    slack.command("/target", "set revenue 1000000000000 this month")  # the edge of the range is accepted
    with Session(slack.deps.engine) as session:
        assert [t.value_cents for t in session.exec(select(Target)).scalars()] == [10**14]


def test_who_set_a_target_is_named_escaped_in_kpi_answers_and_the_digest(slack: SlackDriver) -> None:
    slack.fake.add_user("UMANAGER", HOSTILE, tz="UTC")
    _seed(slack)
    slack.command("/target", "set revenue 100000 this month")
    slack.fake.reset()
    acks = [slack.command("/kpi", "revenue this month"), slack.command("/digest", "preview")]
    texts = posted_texts(slack, acks)
    assert any("Eve" in t for t in texts), texts  # the setter is named…
    assert_nothing_live(texts)  # …and cannot ping
