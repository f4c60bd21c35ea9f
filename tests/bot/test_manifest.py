"""The Slack app manifest declares every slash command, and the committed manifest.json is the printed one."""

import json
from pathlib import Path

from bot.cli import main
from bot.manifest import build_manifest

ROOT = Path(__file__).resolve().parents[2]


def test_manifest_declares_every_command_scope_and_event() -> None:
    manifest = build_manifest("https://bot.example.org")
    commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    assert set(commands) == {"/kpi", "/digest", "/checkin", "/feedback", "/target", "/market", "/followup", "/training",
                             "/review", "/ask", "/incentive", "/salesbot"}
    assert all(c["url"] == "https://bot.example.org/slack/events" for c in commands.values())
    # Slack turns @alice and #sales into <@U…> and <#C…> only when asked to; every grammar reads those ids.
    assert all(c["should_escape"] for c in commands.values())
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    for scope in ("commands", "chat:write", "im:history", "files:write", "files:read", "users:read.email"):
        assert scope in scopes
    assert "message.im" in manifest["settings"]["event_subscriptions"]["bot_events"]
    assert manifest["settings"]["interactivity"]["request_url"] == "https://bot.example.org/slack/events"


def test_socket_mode_manifest_has_no_request_urls() -> None:
    manifest = build_manifest(socket_mode=True)
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in manifest["settings"]["event_subscriptions"]


def test_committed_manifest_matches_the_command(capsys) -> None:  # type: ignore[no-untyped-def]
    main(["manifest"])
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads((ROOT / "manifest.json").read_text())
