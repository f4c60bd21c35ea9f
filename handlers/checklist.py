"""Day one: what a workspace still has to set up, with the exact line to run for each step.

Shown by `/kpi` and App Home while there is no data (instead of a screen of $0.00) and by `/salesbot help`
until every step is done. Done steps stay in the list, ticked, so the team sees its progress.
"""

from typing import Any

from db.setup_status import SetupStatus, setup_status
from handlers.blocks import Block, context, header, section
from reports.i18n import add_catalog, t
from reports.mrkdwn import escape

add_catalog({
    "setup.title": {"en": "Getting started: {done} of 4 steps done", "zh": "开始使用：已完成 {done}/4 步"},
    "setup.no_data": {"en": "There is no sales data in this workspace yet, so there are no figures to show.",
                      "zh": "本工作区还没有销售数据，暂时没有数字可显示。"},
    "setup.import": {"en": "*Import your CRM export* — drop the CSV or XLSX file into a DM with me, or run "
                           "`salesbot import deals export.csv`",
                     "zh": "*导入 CRM 导出文件* — 在与我的私信中发送 CSV 或 XLSX 文件，或运行 "
                           "`salesbot import deals export.csv`"},
    "setup.link_later": {"en": "*Link CRM owners to Slack people* — after the import, `/salesbot unlinked` lists "
                               'the owners not linked yet; link each with `/salesbot link "CRM name" @user`',
                         "zh": "*关联 CRM 负责人与 Slack 成员* — 导入后用 `/salesbot unlinked` 查看尚未关联的负责人，"
                               '再用 `/salesbot link "CRM 名称" @用户` 关联'},
    "setup.link": {"en": "*Link CRM owners to Slack people* — {count} not linked yet: "
                         '`/salesbot link "{name}" @user` (`/salesbot unlinked` lists them all)',
                   "zh": "*关联 CRM 负责人与 Slack 成员* — 还有 {count} 位未关联：`/salesbot link \"{name}\" @用户`"
                         "（`/salesbot unlinked` 列出全部）"},
    "setup.digest": {"en": "*Subscribe a channel to the weekly digest* — "
                           "`/digest subscribe #sales weekly on monday at 09:00`",
                     "zh": "*为频道订阅每周业绩简报* — `/digest 订阅 #销售 每周一 上午9点`"},
    "setup.checkin": {"en": "*Schedule one-on-one check-ins* — "
                            "`/checkin schedule @alice @bob weekly on friday at 16:00`",
                      "zh": "*安排一对一进展汇报* — `/checkin schedule @alice @bob weekly on friday at 16:00`"},
    "setup.done": {"en": "*{step}* — done", "zh": "*{step}* — 已完成"},
    "setup.step_import": {"en": "Import your CRM export", "zh": "导入 CRM 导出文件"},
    "setup.step_link": {"en": "Link CRM owners to Slack people", "zh": "关联 CRM 负责人与 Slack 成员"},
    "setup.step_digest": {"en": "Subscribe a channel to the weekly digest", "zh": "为频道订阅每周业绩简报"},
    "setup.step_checkin": {"en": "Schedule one-on-one check-ins", "zh": "安排一对一进展汇报"},
    "setup.managers": {"en": "Managers run these; `/salesbot help` shows this list until every step is done.",
                       "zh": "以上步骤由经理完成；全部完成前，`/salesbot help` 会一直显示此清单。"},
})


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
