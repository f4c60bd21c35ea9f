"""Capturing feedback where it is heard, over signed requests against the fake Slack, on SQLite and PostgreSQL:
the form (`/feedback` alone), the account menu's suggestions, "did you mean" in the form and after a typed
line, and the "Log as customer feedback" message shortcut with its permalink — in English and Chinese."""

import json
from datetime import date
from typing import Any

from sqlalchemy import insert

from db.models import Deal
from tests.handlers.test_feedback import dms_to, seed, stored
from tests.slack_driver import SlackDriver, message_text

PERMALINK = "https://local.slack.test/archives/C0SALES/p1764151200000100"


def _fake_permalinks(slack: SlackDriver) -> None:
    """The fake Slack answers chat.getPermalink as Slack does (extended here, for these tests)."""
    original = slack.fake.api

    def api(method: str, args: dict[str, Any], token: str = "") -> dict[str, Any]:
        if method == "chat.getPermalink":
            ts = str(args.get("message_ts") or "").replace(".", "")
            return {
                "ok": True,
                "channel": args.get("channel"),
                "permalink": f"https://local.slack.test/archives/{args.get('channel')}/p{ts}",
            }
        return original(method, args, token)

    slack.fake.api = api  # type: ignore[method-assign]


def _opened_view(slack: SlackDriver) -> dict[str, Any]:
    view = slack.fake.calls_to("views.open")[-1].args["view"]
    return json.loads(view) if isinstance(view, str) else view


def _submit(
    slack: SlackDriver,
    *,
    user: str,
    account: str,
    rating: str = "",
    comment: str = "",
    rep: str = "",
    product: str = "",
    meta: str = "{}",
    view_id: str = "VFB1",
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "feedback_account": {
            "feedback_account": {"type": "external_select", "selected_option": {"value": account} if account else None}
        },
        "product": {"value": {"type": "plain_text_input", "value": product or None}},
        "rating": {"value": {"type": "static_select", "selected_option": {"value": rating} if rating else None}},
        "comment": {"value": {"type": "plain_text_input", "value": comment or None}},
        "rep": {"value": {"type": "users_select", "selected_user": rep or None}},
    }
    response = slack.interact(
        {
            "type": "view_submission",
            "user": {"id": user, "team_id": slack.team_id},
            "view": {
                "id": view_id,
                "type": "modal",
                "callback_id": "feedback_form_submit",
                "private_metadata": meta,
                "state": {"values": values},
            },
        }
    )
    return response.json() if response.text else {}


def _menu(slack: SlackDriver, typed: str, user: str = "UALICE") -> list[str]:
    response = slack.interact(
        {
            "type": "block_suggestion",
            "user": {"id": user, "team_id": slack.team_id},
            "action_id": "feedback_account",
            "block_id": "feedback_account",
            "value": typed,
            "view": {"id": "VFB1", "type": "modal", "callback_id": "feedback_form_submit"},
        }
    )
    return [o["text"]["text"] for o in response.json()["options"]]


def _texts(blocks: list[dict[str, Any]]) -> str:
    return message_text({"blocks": blocks})


def test_feedback_alone_opens_the_form_and_a_bad_rating_is_stored_and_alerted(slack: SlackDriver) -> None:
    seed(slack)
    slack.command("/feedback", "", user="UALICE")
    view = _opened_view(slack)
    assert view["callback_id"] == "feedback_form_submit" and view["title"]["text"] == "Customer feedback"
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels == ["Account", "Product", "Rating", "What the customer said", "Rep (default: the account's owner)"]
    assert _menu(slack, "canc") == ["Cancity", "New account: canc"]  # suggestions as she types
    assert _menu(slack, "Cancty") == ["Cancity", "New account: Cancty"]
    assert (
        _submit(
            slack,
            user="UALICE",
            account="acct:Cancity",
            rating="2/5",
            product="GTX Pro",
            comment="The battery dies within hours",
        )
        == {}
    )
    [item] = stored(slack)
    assert (item.account, item.product, item.rating, item.scale, item.comment) == (
        "Cancity",
        "GTX Pro",
        2,
        5,
        "The battery dies within hours",
    )
    assert "Feedback logged · *Cancity* · GTX Pro · 2★" in dms_to(slack, "UALICE")[-1]
    assert "Bad feedback from *Cancity*: 2★" in dms_to(slack, "UMANAGER")[-1]  # Alice's manager is alerted


def test_the_form_asks_did_you_mean_before_creating_a_new_account(slack: SlackDriver) -> None:
    seed(slack)
    answer = _submit(slack, user="UALICE", account="new:Cancty", rating="4/5", comment="quick answers")
    assert answer["response_action"] == "update" and stored(slack) == []
    question = _texts(answer["view"]["blocks"])
    assert "“Cancty” is not a known account. Did you mean *Cancity*?" in question
    comment = next(b for b in answer["view"]["blocks"] if b.get("block_id") == "comment")
    assert comment["element"]["initial_value"] == "quick answers"  # what was typed is kept
    # Submitted again as it is: a new account, as the person confirmed.
    assert (
        _submit(
            slack,
            user="UALICE",
            account="new:Cancty",
            rating="4/5",
            comment="quick answers",
            meta=answer["view"]["private_metadata"],
        )
        == {}
    )
    assert [(f.account, f.rating) for f in stored(slack)] == [("Cancty", 4)]
    # Another spelling of a known account is that account, without asking.
    with slack.deps.engine.begin() as conn:
        conn.execute(
            insert(Deal.__table__),
            [
                dict(
                    team_id=slack.team_id,
                    source="t",
                    external_id="DB",
                    account="Bluth Co.",
                    created_date=date(2026, 1, 1),
                )
            ],
        )  # type: ignore[attr-defined]
    assert _submit(slack, user="UALICE", account="new:bluth company", rating="5/5", view_id="VFB2") == {}
    assert stored(slack)[-1].account == "Bluth Co."
    # Nothing to go on: the form says what is missing.
    assert _submit(slack, user="UALICE", account="acct:Cancity", view_id="VFB3")["errors"] == {
        "comment": "Give a rating or the customer's words (or both)."
    }


def test_a_message_is_logged_as_feedback_with_its_link(slack: SlackDriver) -> None:
    seed(slack)
    _fake_permalinks(slack)
    slack.interact(
        {
            "type": "message_action",
            "callback_id": "log_feedback",
            "user": {"id": "UALICE", "team_id": slack.team_id},
            "channel": {"id": "C0SALES"},
            "message_ts": "1764151200.000100",
            "response_url": slack.fake.new_response_url(),
            "message": {
                "type": "message",
                "user": "UCUSTOMER",
                "ts": "1764151200.000100",
                "text": "From the Cancity call: the GTX Pro battery dies within hours, again",
            },
        }
    )
    assert slack.fake.calls_to("chat.getPermalink")[-1].args["message_ts"] == "1764151200.000100"
    view = _opened_view(slack)
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["comment"]["element"]["initial_value"].startswith("From the Cancity call: the GTX Pro battery")
    assert blocks["feedback_account"]["element"]["initial_option"]["value"] == "acct:Cancity"  # named in it
    assert f"<{PERMALINK}|this message>" in _texts(view["blocks"])
    _submit(
        slack,
        user="UALICE",
        account="acct:Cancity",
        rating="1/5",
        comment=blocks["comment"]["element"]["initial_value"],
        meta=view["private_metadata"],
    )
    [item] = stored(slack)
    assert (item.account, item.rating, item.link) == ("Cancity", 1, PERMALINK)


def test_a_typed_line_asks_did_you_mean_in_chinese_and_a_click_stores_it(slack: SlackDriver) -> None:
    seed(slack)
    slack.command("/feedback", "Isdim 2 交付又延迟了", user="UZHANG")
    reply = slack.responses()[-1]
    assert "没有找到客户 *Isdim*。你是不是指：" in _texts(reply["blocks"]) and stored(slack) == []
    buttons = reply["blocks"][-1]["elements"]
    assert [b["text"]["text"] for b in buttons] == ["Isdom", "新增客户“Isdim”"]
    slack.click("feedback_use_account", buttons[0]["value"], user="UZHANG")
    [item] = stored(slack)
    assert (item.account, item.rating, item.comment) == ("Isdom", 2, "交付又延迟了")
    assert "已记录反馈 · *Isdom* · 2★" in slack.last_response_text()
    slack.click("feedback_use_account", buttons[0]["value"], user="UZHANG")  # a second click stores nothing
    assert len(stored(slack)) == 1


def test_a_known_spelling_is_kept_and_a_new_name_far_from_any_is_created(slack: SlackDriver) -> None:
    seed(slack)
    slack.command("/feedback", "CANCITY 5 great support", user="UALICE")
    slack.command("/feedback", "Zenith Labs 4 smooth start", user="UALICE")
    assert [f.account for f in stored(slack)] == ["Cancity", "Zenith Labs"]


def test_the_form_in_chinese(slack: SlackDriver) -> None:
    seed(slack)
    slack.command("/feedback", "", user="UZHANG")
    view = _opened_view(slack)
    assert view["title"]["text"] == "客户反馈" and view["submit"]["text"] == "记录"
    assert _menu(slack, "Isdm", user="UZHANG") == ["Isdom", "新客户：Isdm"]
