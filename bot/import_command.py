"""`salesbot import deals|targets|feedback FILE`: the command-line face of the importers in db/importers."""

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kind", choices=["deals", "targets", "feedback"])
    parser.add_argument("file")
    parser.add_argument("--format", default="auto",
                        choices=["auto", "salesforce", "hubspot", "zoho", "fxiaoke", "generic"])
    parser.add_argument("--team", default=None, help="workspace (team_id) the rows belong to")


def run(args: argparse.Namespace) -> int:
    raise SystemExit("salesbot import is not available yet in this build (see issue 3).")
