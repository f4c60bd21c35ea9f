"""The `salesbot` command: serve, socket, console, playground, demo, import, tick, migrate, manifest, run, and the
live CRM sync's connect, disconnect, sync, secret-key (bot/crm_command.py)."""

import argparse
import logging
import sys
from datetime import timedelta

from bot import crm_command, import_command
from bot.heap import settle_heap
from bot.settings import Settings, SettingsError, load_settings
from db import clock


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        raise SystemExit(str(exc)) from None


def _engine(settings: Settings, *, check: bool = True):  # type: ignore[no-untyped-def]
    from db.engine import get_engine
    from db.migrate import SchemaOutOfDate, ensure_migrated

    engine = get_engine(settings.database_url)
    if check:
        try:
            ensure_migrated(engine)
        except SchemaOutOfDate as exc:
            raise SystemExit(str(exc)) from None
    return engine


def cmd_migrate(args: argparse.Namespace) -> int:
    from db.migrate import current_revision, upgrade

    settings = _settings()
    engine = _engine(settings, check=False)
    upgrade(engine)
    print(f"database is at revision {current_revision(engine)}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from db.demo import DemoAlreadyLoaded, load_demo

    settings = _settings()
    engine = _engine(settings)
    manager = settings.manager_ids[0] if settings.manager_ids else "UDEMOMGR"
    try:
        summary = load_demo(engine, today=clock.today(), manager_slack_id=manager,
                            timezone=settings.salesbot_timezone, language=settings.salesbot_language,
                            replace=getattr(args, "replace", False))
    except DemoAlreadyLoaded:
        raise SystemExit("The demo workspace already has data; `salesbot demo --replace` loads it afresh.") from None
    print(f"demo data loaded into workspace {summary.team_id}: {summary.members} people, {summary.deals} deals, "
          f"{summary.targets} targets, {summary.feedback} feedback items, {summary.checkin_runs} check-ins "
          f"({summary.first_date} – {summary.last_date})")
    if settings.has_slack_tokens:
        print(f"Your Slack workspace does not see it (the demo is never a default target); "
              f"`salesbot console --team {summary.team_id}` opens it.")
    return 0


def _app_and_scheduler(settings: Settings):  # type: ignore[no-untyped-def]
    """The app, a scheduler that sends for the token's workspace only (the one auth.test names), and the words
    that name that workspace and the bot user for the start line."""
    from bot.app import create_app, make_deps
    from bot.first_contact import adopt_before_serving
    from bot.scheduler import Scheduler
    from bot.workspace import adoption_line, identity_of
    from handlers import job_sources

    _engine(settings)
    deps = make_deps(settings)
    try:
        app = create_app(settings, deps=deps)
    except RuntimeError as exc:
        raise SystemExit(str(exc)) from None
    if settings.oauth_mode:  # each workspace installs through /slack/install; each is sent for with its own token
        scheduler = Scheduler(deps, app.client, job_sources(), installed=app.salesbot_installed,
                              lease=timedelta(seconds=settings.salesbot_send_lease))
        return app, scheduler, "many workspaces (Add to Slack at /slack/install)"
    identity = identity_of(app.client)
    adoption = adopt_before_serving(deps.engine, identity.team_id, name=identity.team_name)
    if adoption is not None:
        print(adoption_line(adoption), flush=True)
    scheduler = Scheduler(deps, app.client, job_sources(), teams={identity.team_id},
                          lease=timedelta(seconds=settings.salesbot_send_lease))
    return app, scheduler, f"Slack workspace {identity.team_id} ({identity.team_name}), bot user {identity.bot_user_id}"


def _say_up(line: str) -> None:
    """The one line that says salesbot is up (INFO, whatever the log level: an operator always sees it)."""
    log = logging.getLogger("salesbot")
    if not log.isEnabledFor(logging.INFO):
        log.setLevel(logging.INFO)
    log.info("%s", line)


def _answers_in(processes: int | None) -> str:
    return f"{processes} answer process{'es' if processes != 1 else ''}" if processes else "the after-ack threads"


def cmd_serve(args: argparse.Namespace) -> int:
    from bot.answer_processes import for_http
    from bot.http_server import make_server, make_wsgi_app

    settings = _settings()
    settings = settings.model_copy(update={"salesbot_answer_processes": for_http(settings.salesbot_answer_processes)})
    if not settings.serves_slack:
        raise SystemExit("salesbot serve needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET, or for many workspaces "
                         "SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_SIGNING_SECRET (see README, 'Connect to "
                         "Slack'); without them, try `salesbot console`.")
    app, scheduler, who = _app_and_scheduler(settings)
    settle_heap()
    server = make_server(make_wsgi_app(app, scheduler.deps.engine), host=args.host, port=args.port,
                         threads=settings.salesbot_workers)
    if app.salesbot_answers is not None:  # take traffic once the answer processes can answer
        app.salesbot_answers.wait_ready(timeout=120)
    if not args.no_scheduler:
        scheduler.start_background()
    _say_up(f"salesbot listening on http://{args.host}:{server.effective_port}/slack/events (HTTP mode; "
            f"/metrics, /healthz, /readyz on the same port); {who}; answers in "
            f"{_answers_in(settings.salesbot_answer_processes)}; scheduler "
            f"{'off (--no-scheduler)' if args.no_scheduler else 'on, every 30 s'}")
    try:
        server.run()
    finally:
        scheduler.stop()
        if app.salesbot_answers is not None:
            app.salesbot_answers.shutdown()
    return 0


def cmd_socket(args: argparse.Namespace) -> int:
    import threading

    from bot.http_server import make_server
    from bot.metrics import make_ops_app
    from bot.socket_mode import NotConnected, SocketModeService

    settings = _settings()
    if not settings.slack_app_token or not settings.has_slack_tokens:
        raise SystemExit("salesbot socket needs SLACK_APP_TOKEN, SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET "
                         "(many workspaces install through the HTTP pages of `salesbot serve`).")
    app, scheduler, who = _app_and_scheduler(settings)
    settle_heap()
    service = SocketModeService(app, settings.slack_app_token.get_secret_value(), metrics=app.salesbot_metrics,
                                workers=settings.salesbot_workers)
    ops = "no metrics port (SALESBOT_METRICS_PORT=0)"
    if settings.salesbot_metrics_port:
        server = make_server(make_ops_app(app.salesbot_metrics, scheduler.deps.engine, lambda: service.connected),
                             host=settings.salesbot_metrics_host, port=settings.salesbot_metrics_port, threads=4)
        threading.Thread(target=server.run, name="salesbot-ops", daemon=True).start()
        ops = (f"/metrics, /healthz, /readyz on http://{settings.salesbot_metrics_host}:{server.effective_port}")
    try:
        service.start()
    except NotConnected as exc:
        raise SystemExit(f"could not connect to Slack in Socket Mode: {exc}") from None
    no_scheduler = getattr(args, "no_scheduler", False)
    if not no_scheduler:
        scheduler.start_background()
    _say_up(f"salesbot connected to Slack (Socket Mode); {who}; scheduler "
            f"{'off (--no-scheduler)' if no_scheduler else 'on, every 30 s'}; {ops}")
    try:
        service.serve_forever()
    finally:
        scheduler.stop()
    return 0


def cmd_console(args: argparse.Namespace) -> int:
    from bot.console import console_team, run_console

    settings = _settings()
    engine = _engine(settings)
    run_console(settings, user_id=args.user, team_id=console_team(settings, engine, args.team))
    return 0


def cmd_playground(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.playground import run_playground

    run_playground(_settings(), host=args.host, port=args.port, folder=Path(args.dir) if args.dir else None,
                   open_browser=args.open)
    return 0


def cmd_tick(args: argparse.Namespace) -> int:
    from bot.app import make_deps
    from bot.scheduler import Scheduler, TickRefused, manual_tick_moment
    from bot.slack_client import make_client
    from bot.workspace import cli_team
    from handlers import job_sources

    settings = _settings()
    team = cli_team(settings, _engine(settings), args.team)
    try:
        now = manual_tick_moment(args.now, dry_run=args.dry_run)
    except TickRefused as refused:
        raise SystemExit(str(refused)) from None
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    client = make_client(token, settings.slack_api_url, timeout=settings.salesbot_slack_timeout)
    deps = make_deps(settings)
    installed = None
    if settings.oauth_mode:  # the workspace's own installation sends for it
        from bot.installation_store import installed_clients

        installed = installed_clients(settings, deps.engine, client)
    scheduler = Scheduler(deps, client, job_sources(), teams={team}, installed=installed,
                          lease=timedelta(seconds=settings.salesbot_send_lease))
    if args.dry_run:
        print("\n".join(scheduler.dry_run_lines(now)))
        return 0
    report = scheduler.tick(now)
    print(f"tick {now.isoformat()} for workspace {team}: sent {report.sent}, retrying {report.retrying}, "
          f"failed {report.failed}, skipped {report.skipped}")
    return 0


def cmd_manifest(args: argparse.Namespace) -> int:
    from bot.manifest import manifest_json

    if args.oauth and args.socket:
        raise SystemExit("--oauth and --socket do not go together: workspaces install through `salesbot serve`.")
    sys.stdout.write(manifest_json(args.url, socket_mode=args.socket, oauth=args.oauth))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """What `make run` does: migrate, start the right front end; without Slack tokens, demo data in an empty database.

    With tokens the database serves a real workspace: the demo is loaded only by an explicit `salesbot demo`."""
    from db.demo import database_is_empty

    cmd_migrate(args)
    settings = _settings()
    if database_is_empty(_engine(settings)):
        if settings.serves_slack:
            print("Slack tokens set: not loading the demo into a database that serves your workspace "
                  "(`salesbot demo` loads it into its own workspace, TDEMO0001).", flush=True)
        else:
            cmd_demo(args)
    if settings.has_slack_tokens and settings.slack_app_token:
        return cmd_socket(args)
    if settings.serves_slack:
        return cmd_serve(args)
    print("No Slack tokens configured: starting the local console (see README, 'Connect to Slack').")
    return cmd_console(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="salesbot", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging (secrets still redacted)")
    parser.add_argument("--log-format", choices=("text", "json"), default="text",
                        help="json: one JSON object a line, for log shippers")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="HTTP mode: POST /slack/events, GET /healthz, scheduler in background")
    serve.add_argument("--port", type=int, default=3000)
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--no-scheduler", action="store_true", help="do not tick (another process does)")
    serve.set_defaults(func=cmd_serve)
    socket = sub.add_parser("socket", help="Socket Mode (needs SLACK_APP_TOKEN); /metrics on SALESBOT_METRICS_PORT")
    socket.add_argument("--no-scheduler", action="store_true", help="do not tick (another process does)")
    socket.set_defaults(func=cmd_socket)
    console = sub.add_parser("console", help="local REPL, no Slack needed")
    console.add_argument("--user", default=None, help="Slack user id to act as (default: the first manager)")
    console.add_argument("--team", default=None, help="workspace (team_id) to act in, e.g. TDEMO0001")
    console.set_defaults(func=cmd_console)
    playground = sub.add_parser("playground", help="salesbot in a Slack-like page in your browser (demo sandbox)")
    playground.add_argument("--port", type=int, default=8080)
    playground.add_argument("--host", default="127.0.0.1", help="address to listen on (default: this machine only)")
    playground.add_argument("--dir", default=None, help="keep the sandbox database and files here (default: a "
                            "temporary folder, removed on exit)")
    playground.add_argument("--open", action="store_true", help="open the page in the default browser")
    playground.set_defaults(func=cmd_playground)
    demo = sub.add_parser("demo", help="load realistic demo data (a workspace of its own, TDEMO0001)")
    demo.add_argument("--replace", action="store_true", help="delete the demo workspace's rows and load again")
    demo.set_defaults(func=cmd_demo)
    imp = sub.add_parser("import", help="import deals, targets or feedback from a CSV/XLSX file")
    import_command.add_arguments(imp)
    imp.set_defaults(func=import_command.run)
    tick = sub.add_parser("tick", help="run every scheduled job due at that moment once, then exit")
    tick.add_argument("--now", default=None,
                      help="ISO-8601 moment (default: now); a past one backfills, a future one needs --dry-run")
    tick.add_argument("--dry-run", action="store_true", help="list what is due at that moment; send nothing")
    tick.add_argument("--team", default=None, help="workspace (team_id) to send for (default: see README)")
    tick.set_defaults(func=cmd_tick)
    sub.add_parser("migrate", help="bring the database schema up to date").set_defaults(func=cmd_migrate)
    crm_command.add_arguments(sub)
    manifest = sub.add_parser("manifest", help="print the Slack app manifest")
    manifest.add_argument("--url", default="https://salesbot.example.com", help="public base URL of `serve`")
    manifest.add_argument("--socket", action="store_true", help="manifest for Socket Mode")
    manifest.add_argument("--oauth", action="store_true",
                          help="many workspaces: with the install flow's redirect URL ({url}/slack/oauth_redirect)")
    manifest.set_defaults(func=cmd_manifest)
    run = sub.add_parser("run", help="migrate, load demo data if empty, then serve/socket/console")
    run.add_argument("--port", type=int, default=3000)
    run.add_argument("--host", default="0.0.0.0")
    run.add_argument("--no-scheduler", action="store_true")
    run.add_argument("--user", default=None)
    run.add_argument("--team", default=None)
    run.set_defaults(func=cmd_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    quiet = args.command in ("console", "run") and not args.verbose
    from bot.logs import configure_logging

    configure_logging(level=logging.DEBUG if args.verbose else logging.WARNING if quiet else logging.INFO,
                      json_lines=args.log_format == "json")
    if args.command != "migrate":
        logging.getLogger("alembic").setLevel(logging.WARNING)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
