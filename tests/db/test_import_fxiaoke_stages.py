"""Fxiaoke (纷享销客) 商机 exports use the CRM's standard stages; every one of them maps without --stage-map,
also written with their win probability ("谈判(80%)") or their place in the process ("阶段4：谈判")."""

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from db.importers import import_file
from db.models import Deal

STAGES = {
    "验证客户": "open",
    "需求确定": "open",
    "方案/报价": "open",
    "谈判": "open",
    "谈判审核": "open",
    "赢单": "won",
    "输单": "lost",
    "无效": "lost",
    "谈判(80%)": "open",
    "阶段1：验证客户": "open",
}


def test_fxiaoke_standard_stages_map_without_flags(engine: Engine) -> None:
    lines = ["商机编号,商机名称,负责人,客户名称,销售阶段,商机金额,币种,创建时间,结单日期"]
    for i, stage in enumerate(STAGES):
        lines.append(f"FX{i},商机{i},张三,客户{i},{stage},\"¥{1000 * (i + 1):,}\",CNY,2026-10-01,2026-11-0{1 + i % 9}")
    data = ("\n".join(lines) + "\n").encode("utf-8")
    result = import_file(engine, "deals", data, filename="商机.csv", team_id="TFX")
    assert result.status == "done" and result.rejected == 0, [p.text() for p in result.problems]
    assert result.file_format == "fxiaoke"
    with Session(engine) as session:
        stored = {d.stage: d.status for d in session.exec(select(Deal).where(Deal.team_id == "TFX"))}
    assert stored == STAGES
