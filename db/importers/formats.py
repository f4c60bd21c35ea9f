"""Which CRM wrote a file, and which of its columns means what.

Each format lists, per salesbot field, the column names that CRM's export uses (report labels and API
names). `auto` picks the format that recognises the most fields; `--map "Column=field"` overrides any of it.
Headers compare case-, space-, underscore- and dot-insensitively.
"""

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

from db.chinese_script import t2s
from db.importers.limits import Budget
from db.importers.reading import RawTable, read_table
from db.importers.report import ImportRefused, ImportResult
from db.importers.workspace import workspace_currency

DEAL_FIELDS = (
    "id",
    "name",
    "owner",
    "owner_email",
    "account",
    "product",
    "stage",
    "amount",
    "currency",
    "created_date",
    "close_date",
    "loss_reason",
    "competitor",
    "segment",
    "next_step",
    "next_step_date",
    "last_activity_date",
)
TARGET_FIELDS = ("owner", "owner_email", "metric", "period", "start", "end", "value", "currency")
FEEDBACK_FIELDS = ("id", "date", "account", "rating", "scale", "comment", "owner", "owner_email", "product")
RATE_FIELDS = ("currency", "date", "rate", "to_currency")
ACCOUNT_FIELDS = ("name", "sector", "region", "employees", "revenue", "currency")
FIELDS = {"deals": DEAL_FIELDS, "targets": TARGET_FIELDS, "feedback": FEEDBACK_FIELDS, "rates": RATE_FIELDS,
          "accounts": ACCOUNT_FIELDS}
REQUIRED = {
    "deals": ("stage", "amount", "close_date"),
    "targets": ("metric", "value"),
    "feedback": ("date",),
    "rates": ("currency", "date", "rate"),
    "accounts": ("name",),
}

DEAL_FORMATS: dict[str, dict[str, tuple[str, ...]]] = {
    "salesforce": {  # Opportunity report export ("Details only") and Data Loader API names
        "id": ("Opportunity ID", "Opportunity Id", "18 Digit Opportunity ID", "Id"),
        "name": ("Opportunity Name", "Name"),
        "owner": ("Opportunity Owner", "Owner Full Name", "Owner Name", "Owner.Name"),
        "owner_email": ("Opportunity Owner Email", "Owner Email", "Owner.Email"),
        "account": ("Account Name", "Account.Name"),
        "product": ("Product Name", "Primary Product"),
        "stage": ("Stage", "StageName"),
        "amount": ("Amount",),
        "currency": ("Opportunity Currency", "Amount Currency", "CurrencyIsoCode"),
        "created_date": ("Created Date", "CreatedDate"),
        "close_date": ("Close Date", "CloseDate"),
        "loss_reason": ("Loss Reason", "Loss_Reason__c", "Closed Lost Reason", "Reason Lost"),
        "competitor": ("Competitor", "Main Competitor", "Primary Competitor", "Competitor__c", "Competitors"),
        "segment": ("Industry", "Account Industry", "Account.Industry", "Segment"),
        "next_step": ("Next Step", "NextStep"),
        "next_step_date": ("Next Step Date", "Next Step Due Date", "Next_Step_Date__c"),
        "last_activity_date": ("Last Activity", "Last Activity Date", "LastActivityDate", "Last Stage Change Date",
                               "LastStageChangeDate"),
    },
    "hubspot": {  # Deals > Export (all properties or the view's columns)
        "id": ("Record ID", "Deal ID", "hs_object_id"),
        "name": ("Deal Name", "dealname"),
        "owner": ("Deal owner", "HubSpot Owner", "hubspot_owner_id"),
        "owner_email": ("Deal owner email", "Owner email"),
        "account": ("Associated Company", "Associated Company (Primary)", "Company name", "Associated Company Name"),
        "product": ("Associated Products", "Product", "Line item"),
        "stage": ("Deal Stage", "dealstage"),
        "amount": ("Amount", "amount"),
        "currency": ("Currency", "Deal currency code", "deal_currency_code"),
        "created_date": ("Create Date", "createdate"),
        "close_date": ("Close Date", "closedate"),
        "loss_reason": ("Closed lost reason", "closed_lost_reason"),
        "competitor": ("Competitor", "Competitors", "Lost to competitor"),
        "segment": ("Industry", "Company industry", "Associated Company Industry"),
        "next_step": ("Next step", "hs_next_step"),
        "next_step_date": ("Next activity date", "notes_next_activity_date"),
        "last_activity_date": ("Last Activity Date", "notes_last_updated"),
    },
    "zoho": {  # Zoho CRM > Deals > Export
        "id": ("Record Id", "Deal Id"),
        "name": ("Deal Name",),
        "owner": ("Deal Owner",),
        "owner_email": ("Deal Owner Email", "Owner Email"),
        "account": ("Account Name",),
        "product": ("Product Name", "Product"),
        "stage": ("Stage",),
        "amount": ("Amount",),
        "currency": ("Currency",),
        "created_date": ("Created Time",),
        "close_date": ("Closing Date",),
        "loss_reason": ("Reason For Loss", "Loss Reason"),
        "competitor": ("Competitor", "Competitors"),
        "segment": ("Industry",),
        "next_step": ("Next Step",),
        "last_activity_date": ("Last Activity Time",),
    },
    "fxiaoke": {  # 纷享销客 ShareCRM 商机 (opportunity) export
        "id": ("商机编号", "商机ID", "数据ID", "编号"),
        "name": ("商机名称",),
        "owner": ("负责人", "负责人名称"),
        "owner_email": ("负责人邮箱", "邮箱"),
        "account": ("客户名称", "客户"),
        "product": ("产品名称", "产品"),
        "stage": ("销售阶段", "商机阶段", "阶段"),
        "amount": ("商机金额", "金额", "预计成交金额"),
        "currency": ("币种", "货币"),
        "created_date": ("创建时间", "创建日期"),
        "close_date": ("结单日期", "成交日期", "预计成交日期"),
        "loss_reason": ("输单原因", "丢单原因", "输单理由", "失败原因"),
        "competitor": ("竞争对手", "竞争对手名称", "竞品"),
        "segment": ("行业", "客户行业", "所属行业"),
        "next_step": ("下一步", "下一步计划", "下一步行动"),
        "next_step_date": ("下次跟进时间", "下次跟进日期"),
        "last_activity_date": ("最后跟进时间", "最后跟进日期", "最近跟进时间"),
    },
    "generic": {  # any spreadsheet; the Maven CRM sample (sales_pipeline.csv) among them
        "id": ("opportunity_id", "deal_id", "id", "opportunity id"),
        "name": ("deal_name", "opportunity_name", "name", "deal", "opportunity", "title"),
        "owner": ("sales_agent", "owner", "owner_name", "rep", "sales_rep", "salesperson", "agent"),
        "owner_email": ("owner_email", "sales_agent_email", "rep_email", "email"),
        "account": ("account", "account_name", "customer", "company", "client"),
        "product": ("product", "product_name"),
        "stage": ("deal_stage", "stage", "status"),
        "amount": ("close_value", "amount", "value", "deal_value"),
        "currency": ("currency", "currency_code"),
        "created_date": ("engage_date", "created_date", "create_date", "created", "created_at", "open_date"),
        "close_date": ("close_date", "closed_date", "closing_date", "closed_at", "won_date"),
        "loss_reason": ("loss_reason", "lost_reason", "reason_lost", "closed_lost_reason"),
        "competitor": ("competitor", "competitors", "lost_to"),
        "segment": ("segment", "sector", "industry"),
        "next_step": ("next_step",),
        "next_step_date": ("next_step_date", "next_step_due"),
        "last_activity_date": ("last_activity_date", "last_activity"),
    },
}
DEFAULT_CURRENCY = {"fxiaoke": "CNY"}

TARGET_FORMAT = {
    "owner": ("owner", "rep", "sales_agent", "member", "name", "team", "负责人", "销售", "成员", "团队"),
    "owner_email": ("owner_email", "email", "邮箱"),
    "metric": ("metric", "kpi", "指标"),
    "period": ("period", "期间", "周期", "时间"),
    "start": ("start", "period_start", "start_date", "from", "开始日期", "开始"),
    "end": ("end", "period_end", "end_date", "to", "结束日期", "结束"),
    "value": ("value", "target", "goal", "amount", "目标", "目标值", "金额"),
    "currency": ("currency", "币种"),
}
RATE_FORMAT = {  # one rate per row: what one unit of `currency` is worth in the reporting currency from `date`
    "currency": ("currency", "currency_code", "from", "from_currency", "code", "币种", "货币"),
    "date": ("date", "valid_from", "from_date", "effective_date", "start", "日期", "生效日期", "起始日期"),
    "rate": ("rate", "exchange_rate", "fx_rate", "汇率"),
    "to_currency": ("to_currency", "to", "reporting_currency", "target_currency", "本位币", "报告币种"),
}
ACCOUNT_FORMATS: dict[str, dict[str, tuple[str, ...]]] = {  # account / company / 客户 exports
    "salesforce": {  # Account report export and Data Loader API names
        "name": ("Account Name", "Account.Name", "Name"),
        "sector": ("Industry", "Account.Industry"),
        "region": ("Billing Country", "BillingCountry", "Billing State/Province", "BillingState"),
        "employees": ("Employees", "NumberOfEmployees"),
        "revenue": ("Annual Revenue", "AnnualRevenue"),
        "currency": ("Account Currency", "CurrencyIsoCode", "Annual Revenue Currency"),
    },
    "hubspot": {  # Companies > Export
        "name": ("Company name", "Name", "name"),
        "sector": ("Industry", "industry"),
        "region": ("Country/Region", "Country", "State/Region"),
        "employees": ("Number of Employees", "numberofemployees"),
        "revenue": ("Annual Revenue", "annualrevenue"),
        "currency": ("Currency", "Company currency code"),
    },
    "zoho": {  # Zoho CRM > Accounts > Export
        "name": ("Account Name",),
        "sector": ("Industry",),
        "region": ("Billing Country", "Billing State"),
        "employees": ("Employees",),
        "revenue": ("Annual Revenue",),
        "currency": ("Currency",),
    },
    "fxiaoke": {  # 纷享销客 客户 (account) export
        "name": ("客户名称", "客户", "公司名称"),
        "sector": ("行业", "客户行业", "所属行业"),
        "region": ("国家/省份/地区", "国家/地区", "省份", "国家", "地区", "所在地区"),
        "employees": ("人员规模", "员工人数", "员工数"),
        "revenue": ("年营业额", "年收入", "营业收入"),
        "currency": ("币种", "货币"),
    },
    "generic": {  # any spreadsheet; the Maven CRM sample's accounts.csv among them
        "name": ("account", "account_name", "company", "company_name", "customer", "client", "name"),
        "sector": ("sector", "industry", "segment"),
        "region": ("office_location", "region", "country", "location", "billing_country", "state"),
        "employees": ("employees", "employee_count", "number_of_employees", "headcount", "size"),
        "revenue": ("revenue", "annual_revenue"),
        "currency": ("currency", "currency_code"),
    },
}
DEFAULT_ACCOUNT_CURRENCY = {"fxiaoke": "CNY"}
FEEDBACK_FORMAT = {  # amazon_alexa.tsv: rating, date, variation -> product, verified_reviews -> comment
    "id": ("id", "feedback_id", "response_id", "review_id", "编号"),
    "date": ("date", "received_on", "submitted_at", "created", "created_at", "response_date", "日期", "时间"),
    "account": ("account", "customer", "company", "client", "account_name", "客户", "客户名称"),
    "rating": ("rating", "score", "stars", "csat", "nps", "nps_score", "评分", "打分", "满意度"),
    "scale": ("scale", "rating_scale", "量表"),
    "comment": ("comment", "comments", "review", "verified_reviews", "text", "feedback_text", "评论", "内容", "意见"),
    "owner": ("owner", "rep", "sales_agent", "负责人"),
    "owner_email": ("owner_email", "email", "邮箱"),
    "product": ("product", "variation", "产品"),
}


def header_key(text: str) -> str:
    """How a header is compared with the aliases: case, spacing and punctuation aside, and Traditional script read as
    Simplified (a Taiwanese export's 輸單原因 / 競爭對手 are 输单原因 / 竞争对手)."""
    return re.sub(r"[\s_.\-()]+", " ", t2s(text.strip().lstrip("\ufeff")).lower()).strip()


@dataclass
class ColumnMap:
    file_format: str
    columns: dict[str, str]  # field -> the file's header


def _match(headers: list[str], aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    by_key = {header_key(h): h for h in headers}
    found: dict[str, str] = {}
    for fld, names in aliases.items():
        for name in names:
            if header_key(name) in by_key and by_key[header_key(name)] not in found.values():
                found[fld] = by_key[header_key(name)]
                break
    return found


def column_map(
    kind: str, headers: list[str], *, file_format: str = "auto", overrides: dict[str, str] | None = None
) -> ColumnMap:
    """The field -> column map for `kind`; refuses the file when the required fields are not all there."""
    fields = FIELDS[kind]
    if kind in ("deals", "accounts"):
        formats = DEAL_FORMATS if kind == "deals" else ACCOUNT_FORMATS
        candidates = formats if file_format == "auto" else {file_format: formats[file_format]}
        scored = [(len(_match(headers, aliases)), name) for name, aliases in candidates.items()]
        best = max(scored, key=lambda s: (s[0], -list(candidates).index(s[1])))[1]
        chosen, found = best, _match(headers, candidates[best])
        if "currency" not in found:  # a money column no format of its own names ("Currency" in a Salesforce
            # report): any format's currency header, never silently read as the default currency
            names = tuple(dict.fromkeys(n for aliases in formats.values() for n in aliases.get("currency", ())))
            found.update(_match([h for h in headers if h not in found.values()], {"currency": names}))
    else:
        aliases = {"targets": TARGET_FORMAT, "rates": RATE_FORMAT}.get(kind, FEEDBACK_FORMAT)
        chosen, found = "generic", _match(headers, aliases)
    for column, fld in (overrides or {}).items():
        if fld not in fields:
            raise ImportRefused("unknown_map_field", detail=repr(fld), fields=", ".join(fields))
        real = next((h for h in headers if header_key(h) == header_key(column)), None)
        if real is None:
            raise ImportRefused("unknown_map_column", detail=repr(column))
        found = {f: c for f, c in found.items() if c != real}
        found[fld] = real
    missing = [f for f in REQUIRED[kind] if f not in found]
    if kind == "targets" and "period" not in found and not ("start" in found and "end" in found):
        missing.append("period")
    if kind == "feedback" and "rating" not in found and "comment" not in found:
        missing.append("rating or comment")
    if kind == "accounts" and not ({"sector", "region", "employees", "revenue"} & found.keys()):
        missing.append("sector or region or employees or revenue")
    if kind == "deals" and not ({"id", "name", "account"} & found.keys()):
        missing.append("id or name or account")
    if missing:
        raise ImportRefused(
            "unrecognised_columns",
            kind=kind,
            missing=", ".join(missing),
            found=", ".join(headers[:30]),
            fields=", ".join(fields),
        )
    return ColumnMap(chosen, found)


def guess_kind(headers: list[str]) -> str:
    """deals, targets, feedback, rates or accounts: which kind of file this looks like (files dropped in Slack)."""

    def fits(kind: str) -> int:
        try:
            return len(column_map(kind, headers).columns)
        except ImportRefused:
            return -1

    scores = {kind: fits(kind) for kind in ("deals", "feedback", "targets", "rates", "accounts")}
    return max(scores, key=lambda k: (scores[k], k == "deals"))


def read_mapped(
    kind: str,
    data: bytes,
    filename: str,
    result: ImportResult,
    overrides: dict[str, str] | None = None,
    budget: Budget | None = None,
    file_format: str = "auto",
) -> tuple[RawTable, dict[str, str]] | None:
    """Read a small file (targets, rates) and map its columns; None when refused (then `result` says why)."""
    try:
        raw = read_table(data, filename, budget)
        result.encoding = raw.encoding
        mapped = column_map(kind, list(raw.frame.columns), file_format=file_format, overrides=overrides)
        cols = mapped.columns
        if kind == "accounts":
            result.file_format = mapped.file_format
    except ImportRefused as refusal:
        result.status, result.refusal = "refused", refusal
        return None
    result.rows, result.mapping = len(raw.frame), cols
    return raw, cols


def read_small_import(
    kind: str, engine: Engine, data: bytes, *, filename: str, team_id: str, options: Any, result: ImportResult
) -> tuple[Any, dict[str, str], str] | None:
    """The start the targets and rates importers share: the file read within the import's limits, its columns
    mapped, and the currency its amounts default to (the option, else the workspace's). None when refused."""
    mapped = read_mapped(kind, data, filename, result, options.column_map, Budget(options.limits),
                         file_format=options.file_format if kind == "accounts" else "auto")
    if mapped is None:
        return None
    with engine.connect() as conn:
        currency = options.currency or workspace_currency(conn, team_id, options.workspace.currency)
    return mapped[0].frame, mapped[1], currency.upper()
