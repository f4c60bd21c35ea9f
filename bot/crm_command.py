"""`salesbot connect|disconnect|sync|secret-key`: the command-line face of the live CRM sync (db/crm).

`connect hubspot --token-env HUBSPOT_TOKEN` reads the key from that environment variable (never from the command
line, where shells and `ps` keep it), checks it against the CRM, and stores it sealed with SALESBOT_SECRET_KEY.
`connect fxiaoke --app-id-env … --app-secret-env … --permanent-code-env … --user-id FSUID_…` does the same with
the self-built app's id and secret and the company's permanent code (the user id names the CRM user salesbot reads
as, not a secret). Zoho CRM connects through its consent page: `/salesbot connect zoho` in Slack. The workspace is
chosen as for `salesbot import` (bot/workspace.py). Exit status 0 when done, 1 when the CRM refused.
"""

import argparse
import os
import sys

from db.crm.kinds import KINDS

KEY_KINDS = ("hubspot", "fxiaoke")  # connected with an API key (HubSpot's private app token, Fxiaoke's app) from here
FXIAOKE_USAGE = ("salesbot connect fxiaoke --app-id-env VARIABLE --app-secret-env VARIABLE --permanent-code-env "
                 "VARIABLE --user-id FSUID_…")


def add_arguments(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    connect = sub.add_parser("connect", help="connect a CRM with an API key (HubSpot, Fxiaoke); Zoho: /salesbot "
                                             "connect zoho")
    connect.add_argument("crm", choices=KINDS)
    connect.add_argument("--token-env", metavar="VARIABLE", help="HubSpot: environment variable that holds the key")
    connect.add_argument("--app-id-env", metavar="VARIABLE", help="Fxiaoke: variable holding the app id (FSAID_…)")
    connect.add_argument("--app-secret-env", metavar="VARIABLE", help="Fxiaoke: variable holding the app secret")
    connect.add_argument("--permanent-code-env", metavar="VARIABLE",
                         help="Fxiaoke: variable holding the company's permanent code (永久授权码)")
    connect.add_argument("--user-id", metavar="FSUID", help="Fxiaoke: openUserId of the CRM user salesbot reads as "
                                                            "(an administrator sees every 商机)")
    connect.add_argument("--team", default=None, help="workspace (team_id) the deals belong to")
    connect.add_argument("--api-url", default=None, metavar="URL",
                         help="the CRM's API host when not the default (Fxiaoke: your cloud's, e.g. "
                              "https://open-hwcloud.fxiaoke.com)")
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
    creds, settings = _key_credentials(args)
    engine, team = _context(args)  # reads SALESBOT_SECRET_KEY from the settings (.env) too
    try:
        require_key()
    except MissingKey as exc:
        raise SystemExit(str(exc)) from None
    if args.api_url:
        settings["api_url"] = args.api_url
    cid = connections.connect(engine, team, args.crm, creds, settings=settings, by="cli")
    result = sync_connection(engine, cid)
    if result.outcome in ("broken", "failed"):
        print(f"{args.crm}: the key was stored but the first sync failed: {result.error}", file=sys.stderr)
        return 1
    print(f"{args.crm} connected to workspace {team}; first sync: {_summary(result)}. "
          "The scheduler syncs it every SALESBOT_SYNC_MINUTES (15) from now on.")
    return 0


def _key_credentials(args: argparse.Namespace) -> tuple[dict[str, str], dict[str, str]]:
    """The credentials (read from the named environment variables) and the settings of a key-connected CRM."""
    if args.crm == "hubspot":
        if not args.token_env:
            raise SystemExit(f"say where the key is: salesbot connect {args.crm} --token-env VARIABLE "
                             "(the variable holds the private app's access token)")
        return {"token": _from_env(args.token_env)}, {}
    variables = {"app_id": args.app_id_env, "app_secret": args.app_secret_env,
                 "permanent_code": args.permanent_code_env}
    if not all(variables.values()) or not args.user_id:
        raise SystemExit(f"say where the app's credentials are: {FXIAOKE_USAGE} (the variables hold the self-built "
                         "app's id and secret and the company's permanent code)")
    return {name: _from_env(variable) for name, variable in variables.items()}, {"user_id": args.user_id.strip()}


def _from_env(variable: str) -> str:
    value = os.environ.get(variable, "").strip()
    if not value:
        raise SystemExit(f"the environment variable {variable} is empty or not set")
    return value


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
                         f"{FXIAOKE_USAGE}, or /salesbot connect zoho in Slack")
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
