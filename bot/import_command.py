"""`salesbot import deals|targets|feedback|rates|accounts FILE`: the command-line face of the importers in db/importers.

The workspace: --team, else the one SLACK_BOT_TOKEN belongs to (auth.test), else the only workspace in the
database that is not the demo, else the local one, TLOCAL (bot/workspace.py); several: refused, listed.
A refused file changes nothing, not even the workspace table.
With SLACK_BOT_TOKEN set, the people directory is read first (users.list, when it never was); owners are
linked to people by e-mail, else by a unique name, and Slack is asked (users.lookupByEmail) for the rest.
Exit status 0 when imported (also with skipped rows), 1 when the file was refused.
"""

import argparse
import sys
from pathlib import Path

FORMATS = ["auto", "salesforce", "hubspot", "zoho", "fxiaoke", "generic"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kind", choices=["deals", "targets", "feedback", "rates", "accounts"])
    parser.add_argument("file")
    parser.add_argument("--format", default="auto", choices=FORMATS, help="which CRM wrote the file (deals, accounts)")
    parser.add_argument("--team", default=None, help="workspace (team_id) the rows belong to")
    parser.add_argument(
        "--map",
        action="append",
        metavar="COLUMN=FIELD",
        help="read COLUMN as FIELD (e.g. --map 'Deal Value=amount'); repeatable",
    )
    parser.add_argument(
        "--date-order",
        choices=["DMY", "MDY", "YMD"],
        type=str.upper,
        help="how to read dates like 03/04/2026 when the file does not tell",
    )
    parser.add_argument(
        "--skip-bad-rows", action="store_true", help="import the good rows and write the bad ones to FILE.rejected.csv"
    )
    parser.add_argument(
        "--stage-map",
        action="append",
        metavar="STAGE=STATUS",
        help="treat a CRM stage as open, won or lost (e.g. --stage-map 'Signed=won'); repeatable",
    )
    parser.add_argument("--currency", default=None, help="currency of amounts that name none (default: workspace)")


def run(args: argparse.Namespace) -> int:
    from bot.cli import _engine, _settings
    from bot.workspace import cli_team
    from db.importers import ImportOptions, import_file, summary_lines
    from db.importers.options import parse_pairs

    path = Path(args.file)
    if not path.is_file():
        raise SystemExit(f"no such file: {path}")
    try:
        stage_map = parse_pairs(args.stage_map, what="--stage-map")
        options = ImportOptions(
            file_format=args.format,
            column_map=parse_pairs(args.map, what="--map"),
            date_order=args.date_order,
            skip_bad_rows=args.skip_bad_rows,
            stage_map=stage_map,
            currency=args.currency,
        )
    except ValueError as exc:
        raise SystemExit(str(exc)) from None
    bad = [s for s in stage_map.values() if s.lower() not in ("open", "won", "lost")]
    if bad:
        raise SystemExit(f"--stage-map statuses must be open, won or lost, got {', '.join(bad)}")
    # deals stream from disk in chunks; the other kinds are read whole, within the whole-file caps
    limit = options.limits.max_bytes if args.kind == "deals" else options.limits.whole_file().max_bytes
    if path.stat().st_size > limit:  # refused before a byte is read into memory
        from db.importers import ImportRefused, ImportResult

        too_large = ImportRefused("too_large", limit=f"{limit // 2**20:,} MB")
        for line in summary_lines(ImportResult(args.kind, path.name, status="refused", refusal=too_large)):
            print(line)
        return 1
    settings = _settings()
    options.workspace = settings.workspace_defaults
    engine = _engine(settings)
    team_id = cli_team(settings, engine, args.team)
    people = _people_from_slack(settings, team_id)  # the directory first: owners link to people by e-mail or name
    with _ProgressBar(path.name) as bar:
        result = import_file(
            engine,
            args.kind,
            path,
            filename=path.name,
            team_id=team_id,
            options=options,
            progress=bar.update,
        )
    if not result.refused and people is not None:
        people(result)
    for line in summary_lines(result):
        print(line)
    if result.rejected_rows:
        out = path.with_name(path.name + ".rejected.csv")
        out.write_bytes(result.rejected_csv())
        kept = len(result.rejected_rows)
        first = f" (the first {kept:,} of {result.rejected:,})" if result.rejected > kept else ""
        print(f"  rejected rows written to {out}{first}")
    return 1 if result.refused else 0


def _people_from_slack(settings, team_id):  # type: ignore[no-untyped-def]
    """With a bot token (or, many workspaces, the workspace's installation): read the directory if it never was,
    and return the after-import step that asks Slack (users.lookupByEmail) for owners still unlinked. None without
    a token."""
    if not settings.slack_bot_token and not settings.oauth_mode:
        return None
    from bot.app import make_deps
    from bot.slack_client import make_client
    from handlers.people import ensure_directory, link_owners_through_slack

    deps = make_deps(settings)
    if settings.slack_bot_token:
        token = settings.slack_bot_token.get_secret_value()
    else:  # the workspace's own bot token, as its scheduled sends use
        from db import installations

        installed = installations.find(deps.engine, team_id)
        if installed is None or not installed.bot_token:
            return None
        token = installed.bot_token
    client = make_client(token, settings.slack_api_url)
    ensure_directory(client, deps, team_id)
    return lambda result: link_owners_through_slack(client, deps, result)


class _ProgressBar:
    """A tqdm bar over the rows being written (rows/s, ETA), shown on a terminal only."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.bar = None

    def __enter__(self) -> "_ProgressBar":
        return self

    def update(self, done: int, total: int) -> None:
        from tqdm import tqdm

        if self.bar is None:
            if total < 1:
                return
            self.bar = tqdm(
                total=total,
                unit=" rows",
                unit_scale=True,
                desc=f"importing {self.name}",
                file=sys.stderr,
                disable=None,
                dynamic_ncols=True,
            )
        if total != self.bar.total:  # a streamed file's row count is an estimate until its end
            self.bar.total = total
            self.bar.refresh()
        self.bar.update(done - self.bar.n)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()
