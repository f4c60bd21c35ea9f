"""`salesbot connect|disconnect|sync|secret-key`: the command-line face of the live CRM sync (db/crm).

`connect hubspot --token-env HUBSPOT_TOKEN` reads the key from that environment variable (never from the command
line, where shells and `ps` keep it), checks it against the CRM, and stores it sealed with SALESBOT_SECRET_KEY.
Zoho CRM connects through its consent page: `/salesbot connect zoho` in Slack. The workspace is chosen as for
`salesbot import` (bot/workspace.py). Exit status 0 when done, 1 when the CRM refused.
"""

import argparse
import os
import sys

from db.crm.kinds import KINDS

KEY_KINDS = ("hubspot",)  # connected with an API key (private app token) from here


def add_arguments(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    connect = sub.add_parser("connect", help="connect a CRM with an API key (HubSpot); Zoho: /salesbot connect zoho")
    connect.add_argument("crm", choices=KINDS)
    connect.add_argument("--token-env", metavar="VARIABLE", help="environment variable that holds the key")
    connect.add_argument("--team", default=None, help="workspace (team_id) the deals belong to")
    connect.add_argument("--api-url", default=None, help=argparse.SUPPRESS)  # a test server instead of the CRM
    connect.set_defaults(func=run_connect)
    disconnect = sub.add_parser("disconnect", help="forget a CRM's credentials (the synced deals stay)")
    disconnect.add_argument("crm", choices=KINDS)
    disconnect.add_argument("--team", default=None)
    disconnect.set_defaults(func=run_disconnect)
    sync = sub.add_parser("sync", help="sync the connected CRMs now (the scheduler does it every 15 minutes)")
    sync.add_argument("crm", nargs="?", choices=KINDS)
    sync.add_argument("--team", default=None)
    sync.set_defaults(func=run_sync)
    key = sub.add_parser("secret-key", help="print a new SALESBOT_SECRET_KEY (encrypts CRM credentials)")
    key.set_defaults(func=run_secret_key)


def _context(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from bot.cli import _engine, _settings
    from bot.workspace import cli_team
    from db.crm.secrets import use_key

    settings = _settings()
    use_key(settings.salesbot_secret_key.get_secret_value() if settings.salesbot_secret_key else None)
    engine = _engine(settings)
    return engine, cli_team(settings, engine, args.team)


def run_connect(args: argparse.Namespace) -> int:
    from db.crm import connections
    from db.crm.secrets import MissingKey, require_key
    from db.crm.sync import sync_connection

    if args.crm not in KEY_KINDS:
        raise SystemExit(f"{args.crm} connects through its consent page: a manager types `/salesbot connect "
                         f"{args.crm}` in Slack.")
    if not args.token_env:
        raise SystemExit(f"say where the key is: salesbot connect {args.crm} --token-env VARIABLE "
                         "(the variable holds the private app's access token)")
    token = os.environ.get(args.token_env, "").strip()
    if not token:
        raise SystemExit(f"the environment variable {args.token_env} is empty or not set")
    engine, team = _context(args)  # reads SALESBOT_SECRET_KEY from the settings (.env) too
    try:
        require_key()
    except MissingKey as exc:
        raise SystemExit(str(exc)) from None
    settings = {"api_url": args.api_url} if args.api_url else {}
    cid = connections.connect(engine, team, args.crm, {"token": token}, settings=settings, by="cli")
    result = sync_connection(engine, cid)
    if result.outcome in ("broken", "failed"):
        print(f"{args.crm}: the key was stored but the first sync failed: {result.error}", file=sys.stderr)
        return 1
    print(f"{args.crm} connected to workspace {team}; first sync: {_summary(result)}. "
          "The scheduler syncs it every SALESBOT_SYNC_MINUTES (15) from now on.")
    return 0


def run_disconnect(args: argparse.Namespace) -> int:
    from db.crm import connections

    engine, team = _context(args)
    row = connections.disconnect(engine, team, args.crm)
    if row is None:
        raise SystemExit(f"{args.crm} is not connected to workspace {team}")
    print(f"{args.crm} disconnected from workspace {team}: credentials deleted, synced deals kept")
    return 0


def run_sync(args: argparse.Namespace) -> int:
    from db.crm import connections
    from db.crm.sync import sync_connection

    engine, team = _context(args)
    rows = [r for r in connections.of_team(engine, team) if r.status == "connected" and args.crm in (None, r.kind)]
    if not rows:
        raise SystemExit(f"no connected CRM in workspace {team}: salesbot connect hubspot --token-env VARIABLE, "
                         "or /salesbot connect zoho in Slack")
    status = 0
    for row in rows:
        result = sync_connection(engine, int(row.id))  # type: ignore[arg-type]
        print(f"{row.kind}: {_summary(result)}")
        status |= int(result.outcome not in ("ok", "busy"))
    return status


def run_secret_key(args: argparse.Namespace) -> int:
    from db.crm.secrets import new_key

    print(new_key())
    return 0


def _summary(result) -> str:  # type: ignore[no-untyped-def]
    if result.outcome != "ok":
        return f"{result.outcome} {result.error}".strip()
    text = f"{result.written:,} deals new or changed, {result.removed:,} removed, {result.unchanged:,} unchanged"
    if result.skipped_rows:
        text += f"; {result.skipped_rows:,} left out ({'; '.join(result.problems[:3])})"
    return text
