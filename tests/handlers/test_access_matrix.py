"""The access matrix: every slash command as a rep, their manager, another team's manager, a user the bot has
never seen, and a manager of another workspace. Nobody sees another rep's figures unless a manager, and
nobody ever sees another workspace's (issue 11; both databases).

Each person's figures are distinctive (Alice 111,111.00, Bob 222,222.00, the other workspace's Zed
987,654.00), so a leak shows in any rendering: full, compact ("111.1K"), in a chart's alt text or a CSV.
Everything the command made the app send is read: the ack, response_url answers, DMs, posts and uploads.
"""

from datetime import date
from typing import Any

import pytest
from sqlalchemy import insert
from sqlmodel import Session

from bot.signing import slash_command_body
from db.models import CommissionPlan, Deal, Member, Workspace
from tests.slack_driver import SlackDriver, ack_text, message_text

OTHER_TEAM = "T0OTHER"
ALICE = ("111,111", "111.1K", "111K")
BOB = ("222,222", "222.2K", "222K")
TEAM_TOTAL = ("333,333", "333.3K", "333K")
FOREIGN = ("987,654", "987.7K", "988K", "Zed Foreign")

# who asks: (user id, workspace, what they must never see)
PEOPLE = {
    "rep": ("UALICE", None, BOB + FOREIGN),
    "manager": ("UMANAGER", None, FOREIGN),
    "other_team_manager": ("UOTHERMGR", None, FOREIGN),
    "unknown_user": ("UNEW", None, ALICE + BOB + FOREIGN),
    "other_workspace": ("UFOREIGN", OTHER_TEAM, ALICE + BOB + TEAM_TOTAL),
}
COMMANDS = [
    ("/kpi", "revenue this month"),
    ("/kpi", "revenue by rep this month"),
    ("/kpi", "leaderboard this month"),
    ("/kpi", "revenue <@UBOB> this month"),
    ("/kpi", "revenue by account this month export"),
    ("/target", "list"),
    ("/digest", "preview"),
    ("/digest", "list"),
    ("/checkin", "list"),
    ("/checkin", "history <@UBOB>"),
    ("/feedback", "summary this month"),
    ("/market", "this month chart"),
    ("/market", "competitors"),
    ("/followup", ""),
    ("/followup", "preview <@UBOB>"),
    ("/training", "plan"),
    ("/training", 'effect "Negotiation workshop"'),
    ("/ask", "list"),
    ("/incentive", "this month"),
    ("/incentive", "<@UBOB> this month"),
    ("/incentive", "appraisal <@UBOB>"),
    ("/incentive", "plan"),
    ("/salesbot", "unlinked"),
    ("/salesbot", "help"),
]


def _seed(slack: SlackDriver) -> None:
    for uid, name in (("UMANAGER", "Maria Lopez"), ("UOTHERMGR", "Otto Manager"), ("UALICE", "Alice Chen"),
                      ("UBOB", "Bob Stone"), ("UNEW", "Nina New"), ("UFOREIGN", "Fay Foreign")):
        slack.fake.add_user(uid, name)
    with Session(slack.deps.engine) as session:
        session.add_all([Workspace(team_id=slack.team_id), Workspace(team_id=OTHER_TEAM)])
        maria = Member(team_id=slack.team_id, slack_user_id="UMANAGER", display_name="Maria Lopez", role="manager")
        otto = Member(team_id=slack.team_id, slack_user_id="UOTHERMGR", display_name="Otto Manager", role="manager")
        fay = Member(team_id=OTHER_TEAM, slack_user_id="UFOREIGN", display_name="Fay Foreign", role="manager")
        session.add_all([maria, otto, fay])
        session.flush()
        alice = Member(team_id=slack.team_id, slack_user_id="UALICE", display_name="Alice Chen", manager_id=maria.id)
        bob = Member(team_id=slack.team_id, slack_user_id="UBOB", display_name="Bob Stone", manager_id=otto.id)
        zed = Member(team_id=OTHER_TEAM, slack_user_id="UZED", display_name="Zed Foreign", manager_id=fay.id)
        session.add_all([alice, bob, zed])
        # A team commission plan, so /incentive has statements to leak (10%: Alice earns 11,111.10).
        session.add(CommissionPlan(team_id=slack.team_id, scope="team", rate_ppm=100_000, currency="USD"))
        session.commit()
        owners = {"alice": (slack.team_id, alice.id), "bob": (slack.team_id, bob.id), "zed": (OTHER_TEAM, zed.id)}
    amounts = {"alice": 11_111_100, "bob": 22_222_200, "zed": 98_765_400}
    rows = [
        {"team_id": team, "source": "t", "external_id": f"D-{who}", "owner_id": member_id, "status": "won",
         "amount_cents": amounts[who], "created_date": date(2026, 10, 1), "close_date": date(2026, 11, 10),
         "product": "GTX", "account": f"{who.title()} Account", "name": "", "stage": "won", "currency": "USD",
         "row_hash": ""}
        for who, (team, member_id) in owners.items()
    ]
    with slack.deps.engine.begin() as conn:
        conn.execute(insert(Deal.__table__), rows)  # type: ignore[attr-defined]


def _everything_sent(slack: SlackDriver, since: int) -> str:
    """The text of every call the app made to Slack since call number `since` (uploads' bytes included)."""
    parts = []
    for call in slack.fake.calls[since:]:
        parts.append(message_text(call.args))
        for key in ("initial_comment", "alt_txt", "title", "filename"):
            if isinstance(call.args.get(key), str):
                parts.append(call.args[key])
        if call.method == "upload":
            parts.append(call.body.decode("utf-8", "replace"))
    return "\n".join(parts)


def _ask(slack: SlackDriver, command: str, text: str, user: str, team: str | None) -> Any:
    if team is None:
        return slack.command(command, text, user=user)
    body = slash_command_body(command=command, text=text, user_id=user, team_id=team,
                              response_url=slack.fake.new_response_url(), trigger_id=f"trigger.{team}.{command}.{text}")
    response = slack.post(body, "application/x-www-form-urlencoded")
    slack.wait_idle()
    return response


@pytest.mark.parametrize("who", PEOPLE, ids=list(PEOPLE))
def test_nobody_sees_figures_they_may_not(slack: SlackDriver, who: str) -> None:
    _seed(slack)
    user, team, forbidden = PEOPLE[who]
    for command, text in COMMANDS:
        since = len(slack.fake.calls)
        response = _ask(slack, command, text, user, team)
        assert response.status_code == 200, (command, text, response.status_code)
        seen = ack_text(response) + "\n" + _everything_sent(slack, since)
        assert seen.strip(), (command, text, "no answer at all")
        leaks = [token for token in forbidden if token in seen]
        assert not leaks, (who, command, text, leaks)


def test_the_matrix_can_see_a_leak(slack: SlackDriver) -> None:
    """The figures are really there for those who may see them: a matrix that sees nothing proves nothing."""
    _seed(slack)
    slack.command("/kpi", "revenue by rep this month", user="UMANAGER")
    text = slack.last_response_text()
    assert any(t in text for t in ALICE) and any(t in text for t in BOB)
    slack.command("/kpi", "revenue this month", user="UALICE")
    assert any(t in slack.last_response_text() for t in ALICE)
