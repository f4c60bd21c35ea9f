"""The command reference shown by `/salesbot help`: every command with an example, in both languages."""

from handlers.blocks import Block, context, header, section
from reports.i18n import add_messages, msg, t

# Every command with what it does (in the catalogs) and an example.
add_messages(
    msg("help.cmd.kpi", "Any KPI for you, a rep or the team, over any period, compared and against target"),
    msg("help.cmd.kpi_chinese", "Chinese works too"),
    msg("help.example.kpi_chinese", "/kpi 上个月 销售额"),  # in Chinese: in the reader's script
    msg("help.cmd.target", "Set, list or delete targets (managers)"),
    msg("help.cmd.digest", "Subscribe a channel to the weekly performance digest (managers)"),
    msg("help.cmd.checkin", "Schedule one-on-one check-ins by DM, read answers and briefs"),
    msg("help.cmd.feedback", "Log customer feedback or see the summary"),
    msg("help.cmd.market", "Loss reasons, competitors, money lost and demand that moved; the competitor list"),
    msg("help.example.market", "/market last quarter · /market 上季度"),  # in Chinese: in the reader's script
    msg("help.cmd.followup", "Morning DM to each rep with deals past close date, next step due or not moved "
        "(managers switch it)"),
    msg("help.cmd.training", "Log a training and its attendees, the plan, and its effect vs reps who did not attend"),
    msg("help.cmd.incentive", "Earnings statements line by line, commission plans, the appraisal, teamwork ratings, "
        "shout-outs"),
    msg("help.cmd.ask", "A tracked request to another team's channel: take/close buttons, reminders before the due "
        "date"),
    msg("help.cmd.link", "Link a CRM owner name to a Slack user (managers)"),
    msg("help.cmd.role", "Make someone a manager or a rep (managers)"),
    msg("help.cmd.unlinked", "CRM owners not yet linked to Slack users"),
    msg("help.cmd.rate", "Exchange rate to the reporting currency from a date (managers); `/salesbot rates` lists "
        "them"),
    msg("help.cmd.currency", "Show or change the reporting currency (managers)"),
    msg("help.cmd.connect", "Connect a CRM (Zoho CRM and Salesforce here; HubSpot and Fxiaoke from a shell) so "
        "deals sync every 15 minutes; `sync now`, `disconnect zoho` (managers)"),
    msg("help.cmd.import", "Import a CRM export: drop the CSV/XLSX file in a DM with me (managers)"),
)
COMMANDS: list[tuple[str, str, str]] = [  # (command, key of its description, example or its key)
    ("/kpi", "help.cmd.kpi", "/kpi win rate @alice last quarter"),
    ("/kpi", "help.cmd.kpi_chinese", "help.example.kpi_chinese"),
    ("/target", "help.cmd.target", "/target set revenue 100000 this quarter @alice"),
    ("/digest", "help.cmd.digest", "/digest subscribe #sales weekly on monday at 09:00"),
    ("/checkin", "help.cmd.checkin", "/checkin schedule @alice @bob weekly on friday at 16:00"),
    ("/feedback", "help.cmd.feedback", "/feedback Cancity 2 delivery was late again"),
    ("/market", "help.cmd.market", "help.example.market"),
    ("/followup", "help.cmd.followup", "/followup on at 08:30"),
    ("/training", "help.cmd.training", "/training effect \"Negotiation workshop\""),
    ("/incentive", "help.cmd.incentive", "/incentive last month"),
    ("/ask", "help.cmd.ask", "/ask #presales \"demo for Cancity by Friday\""),
    ("/salesbot link", "help.cmd.link", "/salesbot link \"Darcel Schlecht\" @darcel"),
    ("/salesbot role", "help.cmd.role", "/salesbot role @maria manager"),
    ("/salesbot unlinked", "help.cmd.unlinked", "/salesbot unlinked"),
    ("/salesbot rate", "help.cmd.rate", "/salesbot rate CNY 0.1385 from 2026-01-01"),
    ("/salesbot currency", "help.cmd.currency", "/salesbot currency EUR"),
    ("/salesbot connect", "help.cmd.connect", "/salesbot connect salesforce · /salesbot connect fxiaoke"),
    ("/salesbot import", "help.cmd.import", "/salesbot import"),
]

add_messages(
    msg("help.title", "salesbot — what I can do"),
    msg("help.footer", "Every command answers `help`, e.g. `/kpi help`."),
)


def help_blocks(language: str) -> list[Block]:
    lines = []
    for command, key, example in COMMANDS:
        example = t(example, language) if example.startswith("help.") else example  # one written in Chinese
        lines.append(f"*{command}* — {t(key, language)}\n`{example}`")
    return [header(t("help.title", language)), section("\n".join(lines)), context(t("help.footer", language))]
