"""The one glossary of salesbot's terms in English and Chinese: every catalog (reports/i18n.py users) takes its
Chinese for these things from here, and the README shows the same table, so a manager reads 赢单率 in /kpi,
the digest, the brief and the help alike — never 赢率 in one place and 转化率 in another.

`AVOID` lists words the catalogs must not use for these terms (a test checks every catalog); synonyms a user
may *type* (管道, 转化率, 成交率 …) are still understood by the grammars and listed in help texts.
"""

TERMS: dict[str, tuple[str, str]] = {
    "revenue": ("revenue", "销售额"),
    "deals_won": ("deals won", "赢单数"),
    "win_rate": ("win rate", "赢单率"),
    "avg_deal_size": ("average deal size", "客单价"),
    "sales_cycle": ("sales cycle", "销售周期"),
    "pipeline": ("pipeline", "商机金额"),
    "deal": ("deal (opportunity)", "商机"),
    "new_deals": ("new deals", "新增商机"),
    "target": ("target", "目标"),
    "attainment": ("attainment", "完成率"),
    "pace": ("pace", "进度"),
    "on_track": ("on track", "达标"),
    "at_risk": ("at risk", "有风险"),
    "behind": ("behind", "落后"),
    "hit": ("hit", "已达成"),
    "missed": ("missed", "未达成"),
    "points": ("percentage points", "个百分点"),
    "partial": ("partial period", "不完整"),
    "csat": ("CSAT", "满意度（CSAT）"),
    "nps": ("NPS", "净推荐值（NPS）"),
    # A 1:1 check-in is a rep reporting progress to their manager, not attendance (签到 is clocking in):
    # 进展汇报 says what it is and fits every cadence (每周/每月进展汇报); 周报 is the weekly digest.
    "checkin": ("check-in", "进展汇报"),
    "checkin_rate": ("check-in rate", "汇报提交率"),
    "one_on_one": ("one-on-one (1:1)", "一对一"),
    "brief": ("one-on-one brief", "一对一简报"),
    "weekly_digest": ("weekly digest", "周报"),
    "leaderboard": ("leaderboard", "排行榜"),
    "rep": ("rep", "销售"),
    "product": ("product", "产品"),
    "account": ("account (customer)", "客户"),
    "market": ("market analysis", "市场分析"),
    "deals_lost": ("deals lost", "丢单"),
    "loss_reason": ("loss reason", "丢单原因"),
    "competitor": ("competitor", "竞争对手"),
    "segment": ("segment (industry)", "行业"),
    "demand_moved": ("demand that moved", "需求变化"),
    "complaint": ("complaint", "抱怨"),
    "praise": ("praise", "称赞"),
    "training": ("training", "培训"),
    "attendees": ("attendees (of a training)", "参训销售"),
    "deal_history": ("deal history", "商机历史"),
    "stage_conversion": ("stage-to-stage conversion", "阶段推进率"),
    "time_in_stage": ("time in stage", "阶段停留时间"),
    "slipped": ("slipped deal (close date moved out)", "延期商机"),
    "stalled": ("stalled deal (no change)", "停滞商机"),
    "team_request": ("request (to another team)", "协作请求"),
    "commission": ("commission", "提成"),
    "commission_plan": ("commission plan", "提成方案"),
    "earnings_statement": ("earnings statement", "提成明细"),
    "tier": ("tier (marginal, like tax brackets)", "阶梯（超额累进）"),
    "accelerator": ("accelerator (above 100% of target)", "加速系数"),
    "cap": ("cap", "封顶"),
    "bonus": ("bonus (for reaching the target)", "达标奖金"),
    "appraisal": ("appraisal", "绩效考核"),
    "teamwork_rating": ("teamwork rating", "团队协作评分"),
    "shoutout": ("shout-out", "达标表扬"),
}

# word the catalogs must not use -> the glossary's term for it
AVOID: dict[str, str] = {
    "赢率": "赢单率",
    "管道": "商机金额",
    "面谈": "一对一",
    "1对1": "一对一",
    "进度正常": "达标",
    "转化率": "赢单率",
    "成交率": "赢单率",
    "签到": "进展汇报",
    "竞品": "竞争对手",
}


def zh(term: str) -> str:
    """The Chinese of a glossary term."""
    return TERMS[term][1]


def en(term: str) -> str:
    """The English of a glossary term."""
    return TERMS[term][0]


def markdown_table() -> str:
    """The glossary as the README shows it."""
    rows = ["| English | 中文 |", "| --- | --- |"]
    rows += [f"| {e} | {z} |" for e, z in TERMS.values()]
    return "\n".join(rows)
