"""What a newcomer sees in the console: channels by #name, buttons by label, forms to submit, App Home,
Block Kit with its structure, charts that never overwrite each other."""

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.console import Console, save_unique
from bot.render_text import render_blocks
from bot.settings import load_settings
from db import clock
from db.demo import load_demo
from db.engine import get_engine

MANAGER, ZH_REP = "UDEMOMGR", "UDEMO02"


@pytest.fixture
def console(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[Console, io.StringIO]]:
    load_demo(get_engine(sqlite_url), today=clock.today())
    settings = load_settings(_env_file=None, database_url=sqlite_url, salesbot_files_dir=str(tmp_path / "files"))
    out = io.StringIO()
    console = Console(settings, out=out, user_id=MANAGER).start()
    yield console, out
    console.stop()


def run(console: Console, out: io.StringIO, *lines: str) -> str:
    out.seek(0)
    out.truncate()
    for line in lines:
        console.handle(line)
    return out.getvalue()


def test_a_channel_typed_as_hash_name_is_found_like_in_slack(console: tuple[Console, io.StringIO]) -> None:
    c, out = console
    said = run(c, out, "/digest subscribe #sales weekly on monday at 09:00", "/digest list")
    assert "Subscribed #sales to the weekly digest: Monday 09:00" in said
    assert "I could not find the channel" not in said
    assert c.slack.calls_to("conversations.list")  # the app's own resolver, through the Web API
    assert "#sales · weekly · Monday 09:00" in said
    said = run(c, out, ":channels", ":in #sales-apac", "/digest subscribe weekly")
    assert "#sales-apac  C0SALESAPAC" in said and "Subscribed #sales-apac" in said


def test_buttons_show_their_labels_and_are_pressed_by_label(console: tuple[Console, io.StringIO]) -> None:
    c, out = console
    answer = run(c, out, "/kpi revenue this month")
    assert "(only you)" in answer and "[Share in channel]" in answer
    shared = run(c, out, ":click share in channel")
    assert "→ #general (C0GENERAL)" in shared and "Shared by @Maria Lopez" in shared
    assert "No button 'Dance'" in run(c, out, ":click Dance")


def test_a_form_opens_is_filled_and_submitted(console: tuple[Console, io.StringIO]) -> None:
    c, out = console
    form = run(c, out, "/checkin setup")
    assert "┌ Schedule check-ins" in form and "│ 1. Reps: (people)" in form
    assert "│ 3. Day: [Friday ▾]" in form and "└ [Cancel] [Submit]" in form
    refused = run(c, out, ":submit")
    assert "⚠" in refused  # no reps chosen: Slack shows the error under the field, the form stays open
    assert c.open_modal() is not None
    filled = run(c, out, ":fill 1 @张三", ":fill 3 Monday", ":submit")
    assert "│ 1. Reps: «@张三»" in filled
    assert "Scheduled check-in" in filled and "张三 (Asia/Shanghai) — next Mon" in filled
    assert "(form closed)" in filled and c.open_modal() is None


def test_app_home_is_shown_with_the_users_numbers(console: tuple[Console, io.StringIO]) -> None:
    c, out = console
    home = run(c, out, ":home")
    assert home.lstrip().startswith("┌ App Home") and "│ == Your numbers ==" in home
    assert "Team leaderboard" in home
    rep_home = run(c, out, f":as {ZH_REP}", ":home")
    assert "│ == 我的数据 ==" in rep_home and "Team leaderboard" not in rep_home  # a Chinese rep: own numbers


def test_block_kit_keeps_its_structure_in_text() -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Week 49"}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "*Revenue*"}, {"type": "mrkdwn", "text": "$1"},
                                       {"type": "mrkdwn", "text": "*Deals*"}, {"type": "mrkdwn", "text": "3"}]},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "vs last week"}]},
        {"type": "image", "image_url": "https://x.example/c.png", "alt_text": "revenue chart"},
        {"type": "actions", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": "Open"}, "action_id": "a"},
            {"type": "overflow", "action_id": "b", "options": [
                {"text": {"type": "plain_text", "text": "Mute"}, "value": "m"}]}]},
    ]
    assert render_blocks(blocks, names={"U1": "Ann"}).splitlines() == [
        "== Week 49 ==",
        "  *Revenue*   $1",
        "  *Deals*     3",
        "  › vs last week",
        "[image: revenue chart] https://x.example/c.png",
        "[Open] [⋯ Mute]",
    ]


def test_two_files_saved_in_the_same_second_keep_both(tmp_path: Path) -> None:
    first = save_unique(tmp_path, "20261126-100000-chart.png", b"one")
    second = save_unique(tmp_path, "20261126-100000-chart.png", b"two")
    assert first != second and second.name == "20261126-100000-chart-2.png"
    assert first.read_bytes() == b"one" and second.read_bytes() == b"two"
