"""The command reference shown by `/salesbot help`: every command with an example, in both languages."""

from handlers.blocks import Block, context, header, section
from reports.i18n import add_messages, msg, t

# (command, English description, Chinese description, example)
COMMANDS: list[tuple[str, str, str, str]] = [
    ("/kpi", "Any KPI for you, a rep or the team, over any period, compared and against target",
     "查询任意指标：个人、销售或团队，任意时间段，含环比与目标", "/kpi win rate @alice last quarter"),
    ("/kpi", "Chinese works too", "也可以用中文", "/kpi 上个月 销售额"),
    ("/target", "Set, list or delete targets (managers)", "设置、查看或删除目标（经理）",
     "/target set revenue 100000 this quarter @alice"),
    ("/digest", "Subscribe a channel to the weekly performance digest (managers)",
     "为频道订阅每周业绩简报（经理）", "/digest subscribe #sales weekly on monday at 09:00"),
    ("/checkin", "Schedule one-on-one check-ins by DM, read answers and briefs",
     "私信安排一对一进展汇报，查看回答与一对一简报", "/checkin schedule @alice @bob weekly on friday at 16:00"),
    ("/feedback", "Log customer feedback or see the summary", "记录客户反馈或查看汇总",
     "/feedback Cancity 2 delivery was late again"),
    ("/market", "Loss reasons, competitors, money lost and demand that moved; the competitor list",
     "丢单原因、竞争对手、丢单金额与需求变化；竞争对手列表", "/market last quarter · /market 上季度"),
    ("/followup", "Morning DM to each rep with deals past close date, next step due or not moved (managers switch it)",
     "每天早上私信提醒销售跟进过期、下一步到期或长期没有进展的商机（经理开关）", "/followup on at 08:30"),
    ("/training", "Log a training and its attendees, the plan, and its effect vs reps who did not attend",
     "记录培训与参训人员、查看计划，以及与未参训销售对比的培训效果", '/training effect "Negotiation workshop"'),
    ("/incentive", "Earnings statements line by line, commission plans, the appraisal, teamwork ratings, shout-outs",
     "提成明细（逐行计算）、提成方案、绩效考核、团队协作评分、达标表扬", "/incentive last month"),
    ("/ask", "A tracked request to another team's channel: take/close buttons, reminders before the due date",
     "向其他团队频道发出可跟踪的协作请求：认领/关闭按钮，截止前提醒", '/ask #presales "demo for Cancity by Friday"'),
    ("/salesbot link", "Link a CRM owner name to a Slack user (managers)", "将 CRM 负责人关联到 Slack 用户（经理）",
     '/salesbot link "Darcel Schlecht" @darcel'),
    ("/salesbot role", "Make someone a manager or a rep (managers)", "设置经理或销售角色（经理）",
     "/salesbot role @maria manager"),
    ("/salesbot unlinked", "CRM owners not yet linked to Slack users", "尚未关联 Slack 的 CRM 负责人",
     "/salesbot unlinked"),
    ("/salesbot rate", "Exchange rate to the reporting currency from a date (managers); `/salesbot rates` lists them",
     "设置自某日起折算为报告币种的汇率（经理）；`/salesbot 汇率` 查看", "/salesbot rate CNY 0.1385 from 2026-01-01"),
    ("/salesbot currency", "Show or change the reporting currency (managers)", "查看或修改报告币种（经理）",
     "/salesbot currency EUR"),
    ("/salesbot connect", "Connect a CRM (Zoho CRM and Salesforce here; HubSpot and Fxiaoke from a shell) so deals "
     "sync every 15 minutes; `sync now`, `disconnect zoho` (managers)",
     "连接 CRM（Zoho CRM、Salesforce 在此连接；HubSpot、纷享销客在命令行连接），商机每 15 分钟自动同步；`sync now` "
     "立即同步、`disconnect zoho` 断开（经理）", "/salesbot connect salesforce · /salesbot connect fxiaoke"),
    ("/salesbot import", "Import a CRM export: drop the CSV/XLSX file in a DM with me (managers)",
     "导入 CRM 导出文件：在私信中发送 CSV/XLSX 文件（经理）", "/salesbot import"),
]

add_messages(
    msg("help.title", "salesbot — what I can do"),
    msg("help.footer", "Every command answers `help`, e.g. `/kpi help`."),
)


def help_blocks(language: str) -> list[Block]:
    lines = []
    for command, en, zh, example in COMMANDS:
        lines.append(f"*{command}* — {zh if language == 'zh' else en}\n`{example}`")
    return [header(t("help.title", language)), section("\n".join(lines)), context(t("help.footer", language))]
