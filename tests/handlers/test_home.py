"""Opening the App Home shows the user's own numbers (the same figures as `/kpi`), and managers the leaderboard."""

import json

from tests.digest_data import seed
from tests.slack_driver import SlackDriver, message_text


def _published(slack: SlackDriver) -> str:
    (call,) = slack.fake.calls_to("views.publish")
    view = call.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["type"] == "home" and call.args["user_id"]
    return message_text({"blocks": view["blocks"]})


def test_manager_home_has_headline_and_leaderboard(slack: SlackDriver) -> None:
    seed(slack.deps.engine)
    slack.event({"type": "app_home_opened", "user": "UMANAGER", "tab": "home", "channel": "DMANAGER"})
    text = _published(slack)
    assert "Your numbers" in text and "Team leaderboard" in text
    assert "Alice Smith" in text  # managers see reps by name
    assert "Share in channel" not in text


def test_rep_home_shows_own_numbers_without_the_leaderboard(slack: SlackDriver) -> None:
    seed(slack.deps.engine)
    slack.event({"type": "app_home_opened", "user": "UZHANG", "tab": "home", "channel": "DZHANG"})
    text = _published(slack)
    assert "Your numbers" in text or "我的数据" in text
    assert "Team leaderboard" not in text and "Alice Smith" not in text
