"""The people directory from Slack: `users.list` (paged), `team_join` / `user_change`, a daily refresh.

Every person of the workspace becomes a member (db/directory.py) whether or not they ever used salesbot,
so `/checkin schedule @darcel`, `/salesbot role @Priya manager` and owner linking work on day one.
- `refresh_directory` reads `users.list` 200 people a page, following `next_cursor`; a 429 is waited out
  (Retry-After) by the Web API client's retry handler, then the page is asked again.
- `team_join` and `user_change` update one person as Slack reports the change (no API call).
- `DirectoryRefresh` is upkeep run by the one scheduler's tick: the directory is re-read at the first tick
  of a process (`serve`/`socket` start) and when a day old.
- `fill_profile` completes a member made at first contact from the bare Slack id, after the ack.
"""

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlmodel import Session, select

from db.directory import Person, SyncReport, directory_synced, person_of, sync_people_retrying
from db.importers.report import ImportResult
from db.models import Workspace
from db.owner_links import link_owners, link_owners_to
from handlers.context import Deps
from reports.people import SLACK_ID, mention_refs, resolve_person

log = logging.getLogger(__name__)
PAGE_SIZE = 200
PEOPLE_EVENTS = ("team_join", "user_change")
_TEAM_OF_TOKEN: dict[tuple[str, str], str] = {}


def read_directory(client: Any) -> list[dict[str, Any]]:
    """Every user object of the workspace, page by page."""
    users: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = client.users_list(limit=PAGE_SIZE, include_locale=True, **({"cursor": cursor} if cursor else {}))
        users.extend(page.get("members") or [])
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return users


def refresh_directory(client: Any, deps: Deps, team_id: str) -> SyncReport:
    """Read the whole directory and store it; then link CRM owners the new names now match."""
    people = [p for p in map(person_of, read_directory(client)) if p is not None]
    report = sync_people_retrying(deps.engine, team_id, people, managers=frozenset(deps.manager_ids), complete=True)
    with deps.engine.begin() as conn:
        link_owners(conn, team_id)
    log.info("directory of %s: %d people, %d new, %d updated, %d deactivated", team_id, len(people),
             report.added, report.updated, report.deactivated)
    return report


def ensure_directory(client: Any, deps: Deps, team_id: str) -> bool:
    """Read the directory now if it never was (a name nobody knows yet); True when it was read."""
    with deps.engine.connect() as conn:
        if directory_synced(conn, team_id):
            return False
    try:
        refresh_directory(client, deps, team_id)
    except SlackApiError as exc:
        log.warning("could not read the directory of %s: %s", team_id, exc.response.get("error"))
        return False
    return True


def fill_profile(client: Any, deps: Deps, team_id: str, user_id: str) -> bool:
    """Store a person's profile from `users.info` (after the ack; failures only logged). True when stored."""
    try:
        user = client.users_info(user=user_id, include_locale=True)["user"]
    except (SlackApiError, KeyError, TypeError, OSError) as exc:
        log.warning("could not read the Slack profile of %s: %s", user_id, exc)
        return False
    person = person_of(user)
    if person is None:
        return False
    sync_people_retrying(deps.engine, team_id, [person], managers=frozenset(deps.manager_ids))
    with deps.engine.begin() as conn:  # an owner imported before anyone read the directory is this person
        link_owners_to(conn, team_id, [person.user_id])
    return True


def prepare_people(client: Any, deps: Deps, team_id: str, text: str) -> None:
    """Before a command resolves the people it names (after its ack): make sure salesbot can know them.

    A `<@U…>` salesbot has no row for is read from `users.info` (or kept as the bare id Slack gave); a
    name nobody matches, in a workspace whose directory was never read, reads the directory first. So a
    manager can schedule, link or ask about reps who never used the bot.
    """
    refs = mention_refs(text)
    if not refs:
        return
    with Session(deps.engine) as session:
        matches = [resolve_person(session, team_id, ref) for ref in refs]
    for match in matches:
        if not match.found and SLACK_ID.fullmatch(match.ref) and not fill_profile(client, deps, team_id, match.ref):
            bare = Person(match.ref, "", "", "", None, None, None, True)
            sync_people_retrying(deps.engine, team_id, [bare], managers=frozenset(deps.manager_ids))
    if any(not m.found and not m.ambiguous and not SLACK_ID.fullmatch(m.ref) for m in matches):
        ensure_directory(client, deps, team_id)


def link_owners_through_slack(client: Any, deps: Deps, result: ImportResult) -> None:
    """After an import: owners still unlinked whose e-mail the directory lacks are looked up in Slack
    (users.lookupByEmail); the people found are stored and the owners linked, and `result` says so."""
    found = []
    for name, email in sorted(result.owner_emails.items()):
        try:
            user = client.users_lookupByEmail(email=email)["user"]
        except (SlackApiError, KeyError, TypeError, OSError) as exc:  # users_not_found: stays unlinked
            log.info("no Slack user with the e-mail of owner %s: %s", name, getattr(exc, "response", None) or exc)
            continue
        person = person_of(user)
        if person is not None and person.active:
            found.append(person)
    if not found:
        return
    sync_people_retrying(deps.engine, result.team_id, found, managers=frozenset(deps.manager_ids))
    with deps.engine.begin() as conn:
        report = link_owners(conn, result.team_id, list(result.owner_emails))
    result.owners_linked += report.by_email
    result.owners_linked_by_name += report.by_name
    result.owners_unlinked = [n for n in result.owners_unlinked if n not in report.linked]
    result.owner_emails = {n: e for n, e in result.owner_emails.items() if n in result.owners_unlinked}


def on_person_event(body: dict[str, Any], event: dict[str, Any], context: Any) -> None:
    """`team_join` / `user_change`: the user object in the event is the new truth about that person."""
    user = event.get("user")
    team_id = body.get("team_id") or context.get("team_id")
    if not isinstance(user, dict) or not team_id:
        return
    person = person_of(user)
    if person is None:
        return
    deps: Deps = context["deps"]
    with deps.engine.connect() as conn:
        known = conn.execute(select(Workspace.team_id).where(Workspace.team_id == team_id)).first() is not None
    if not known:  # a workspace salesbot never served: its first request creates it
        return
    sync_people_retrying(deps.engine, team_id, [person], managers=frozenset(deps.manager_ids))
    with deps.engine.begin() as conn:
        link_owners(conn, team_id)


class DirectoryRefresh:
    """Scheduler upkeep: the token's workspace re-reads its directory when the bot starts serving (the first
    tick of `serve`/`socket`) and whenever the directory is a day old (or was never read).

    Not a delivery: nothing is sent, so it stays out of the ledger; `directory_synced_at` (shared by every
    instance) decides, and a refresh twice at the same moment on two instances is harmless.
    """

    kind = "directory"
    every = timedelta(days=1)

    def maintain(self, client: Any, deps: Deps, now: datetime, *, serving: bool = False) -> None:
        key = (getattr(client, "token", None) or "", getattr(client, "base_url", ""))
        first = key not in _TEAM_OF_TOKEN
        if first:  # auth.test once per token and process
            _TEAM_OF_TOKEN[key] = str(client.auth_test().get("team_id") or "")
        starting = first and serving  # serve/socket's first tick; a cron `salesbot tick` only when a day old
        team_id = _TEAM_OF_TOKEN[key]
        with Session(deps.engine) as session:
            ws = session.get(Workspace, team_id) if team_id else None
            if ws is None:
                return
            synced = ws.directory_synced_at
        if starting or synced is None or now - synced.replace(tzinfo=synced.tzinfo or UTC) >= self.every:
            refresh_directory(client, deps, team_id)


def job_sources() -> list[Any]:
    return [DirectoryRefresh()]


def register(app: Any) -> None:
    for name in PEOPLE_EVENTS:
        app.event(name)(on_person_event)

