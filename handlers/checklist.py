"""Day one: what a workspace still has to set up, with the exact line to run for each step.

Shown by `/kpi` and App Home while there is no data (instead of a screen of $0.00) and by `/salesbot help`
until every step is done. Done steps stay in the list, ticked, so the team sees its progress.
"""

from typing import Any

from db.setup_status import SetupStatus, setup_status
from handlers.blocks import Block, context, header, section
from reports.i18n import add_messages, msg, t
from reports.mrkdwn import escape

add_messages(
    msg("setup.title", "Getting started: {done} of 4 steps done"),
    msg("setup.no_data", "There is no sales data in this workspace yet, so there are no figures to show."),
    msg(
        "setup.import",
        "*Import your CRM export* — drop the CSV or XLSX file into a DM with me, or run `salesbot import "
        "deals export.csv`",
    ),
    msg(
        "setup.link_later",
        '*Link CRM owners to Slack people* — after the import, `/salesbot unlinked` lists the owners not '
        'linked yet; link each with `/salesbot link "CRM name" @user`',
    ),
    msg(
        "setup.link",
        '*Link CRM owners to Slack people* — {count} not linked yet: `/salesbot link "{name}" @user` '
        '(`/salesbot unlinked` lists them all)',
    ),
    msg(
        "setup.digest",
        "*Subscribe a channel to the weekly digest* — `/digest subscribe #sales weekly on monday at 09:00`",
    ),
    msg("setup.checkin", "*Schedule one-on-one check-ins* — `/checkin schedule @alice @bob weekly on friday at 16:00`"),
    msg("setup.done", "*{step}* — done"),
    msg("setup.step_import", "Import your CRM export"),
    msg("setup.step_link", "Link CRM owners to Slack people"),
    msg("setup.step_digest", "Subscribe a channel to the weekly digest"),
    msg("setup.step_checkin", "Schedule one-on-one check-ins"),
    msg("setup.managers", "Managers run these; `/salesbot help` shows this list until every step is done."),
)


def status_of(deps: Any, team_id: str) -> SetupStatus:
    with deps.engine.connect() as conn:
        return setup_status(conn, team_id)


def _steps(status: SetupStatus, lang: str) -> list[tuple[bool, str, str]]:
    """(done, step name, the line to run) for each of the four steps, in the order a team does them."""
    if not status.has_deals:
        link = t("setup.link_later", lang)
    else:
        link = t("setup.link", lang, count=status.unlinked_owners, name=escape(status.first_unlinked or ""))
    return [
        (status.has_deals, t("setup.step_import", lang), t("setup.import", lang)),
        (status.owners_linked, t("setup.step_link", lang), link),
        (status.digests > 0, t("setup.step_digest", lang), t("setup.digest", lang)),
        (status.checkin_schedules > 0, t("setup.step_checkin", lang), t("setup.checkin", lang)),
    ]


def checklist_blocks(status: SetupStatus, lang: str, *, no_data_note: bool = False) -> list[Block]:
    """The checklist: a header with the progress, one line per step (ticked when done, else the line to run)."""
    steps = _steps(status, lang)
    lines = [f":white_check_mark: {t('setup.done', lang, step=name)}" if done else f":white_large_square: {todo}"
             for done, name, todo in steps]
    blocks: list[Block] = [header(t("setup.title", lang, done=sum(done for done, _, _ in steps)))]
    if no_data_note:
        blocks.append(section(t("setup.no_data", lang)))
    blocks += [section("\n".join(lines)), context(t("setup.managers", lang))]
    return blocks


def checklist_message(status: SetupStatus, lang: str) -> dict[str, Any]:
    """The answer to a `/kpi` asked before there is any data."""
    return {"text": t("setup.no_data", lang), "blocks": checklist_blocks(status, lang, no_data_note=True)}
