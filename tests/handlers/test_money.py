"""Currencies through the real app and the fake Slack: /kpi and the digest convert a mixed USD/CNY/EUR/GBP
export with the team's rates, state what had no rate (never summing it), and `/salesbot rate` and
`/salesbot currency` change what the next answer says — in English and Chinese, on both databases."""

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
from sqlalchemy import insert
from sqlmodel import Session

from db.importers import import_file
from db.models import Deal
from reports.formatting import money, percent
from tests.money_data import converted_total, left_out, priced, won_in, write_files
from tests.slack_driver import SlackDriver, ack_text, message_text

Q3 = ("2026-07-01", "2026-10-01")


def load(slack: SlackDriver, folder: Path) -> tuple[Path, Path]:
    slack.fake.add_user("UMANAGER", "Maria Lopez")
    slack.fake.add_user("UALICE", "Alice Chen")
    deals_path, rates_path = write_files(folder)
    for kind, path in (("deals", deals_path), ("rates", rates_path)):
        result = import_file(slack.deps.engine, kind, path.read_bytes(), filename=path.name, team_id=slack.team_id)
        assert result.status == "done", (kind, result.problems)
    return deals_path, rates_path


def test_kpi_converts_and_reports_what_has_no_rate_then_a_rate_fills_the_gap(slack: SlackDriver, tmp_path) -> None:
    deals_path, rates_path = load(slack, tmp_path)
    frame = won_in(priced(deals_path, rates_path), *Q3)
    slack.command("/kpi", "revenue Q3 2026", user="UMANAGER")
    text = slack.last_response_text()
    assert money(converted_total(frame), "USD", "en") in text
    ((gbp_deals, gbp_cents),) = left_out(frame).values()
    assert f"{gbp_deals} deals in £ ({money(gbp_cents, 'GBP', 'en')}) left out: no GBP rate" in text
    assert "`/salesbot rate GBP …`" in text

    # A rep may not set rates; the manager does, and the next answer includes those deals.
    refused = ack_text(slack.command("/salesbot", "rate GBP 1.25 from 2026-07-01", user="UALICE"))
    assert "managers" in refused.lower()
    said = ack_text(slack.command("/salesbot", "rate GBP 1.25 from 2026-07-01", user="UMANAGER"))
    assert "From 2026-07-01" in said and "1 GBP = 1.25 USD" in said
    rates = pd.read_csv(rates_path, dtype=str)
    rates.loc[len(rates)] = ["GBP", "2026-07-01", "1.25"]
    rates.to_csv(rates_path, index=False)
    frame = won_in(priced(deals_path, rates_path), *Q3)
    slack.command("/kpi", "revenue Q3 2026", user="UMANAGER")
    text = slack.last_response_text()
    assert money(converted_total(frame), "USD", "en") in text
    # Q3 leaves nothing out now; Q2 (the previous period, before the GBP rate) still does, and says so.
    assert text.count("left out") == 1 and "Periods compared: " in text

    # The same in Chinese: the rate replaced, the old one said.
    said = ack_text(slack.command("/salesbot", "汇率 英镑 1.26 从 2026-07-01", user="UMANAGER"))
    assert "1 GBP = 1.26 USD" in said and "原为 1.25" in said
    listing = ack_text(slack.command("/salesbot", "rates", user="UMANAGER"))
    assert "1 CNY = 0.1401 USD" in listing and "1 GBP = 1.26 USD" in listing


def test_a_new_reporting_currency_converts_nothing_until_rates_to_it_exist(slack: SlackDriver, tmp_path) -> None:
    deals_path, rates_path = load(slack, tmp_path)
    assert "Reporting currency: *USD*" in ack_text(slack.command("/salesbot", "currency", user="UALICE"))
    assert "managers" in ack_text(slack.command("/salesbot", "currency EUR", user="UALICE")).lower()
    said = ack_text(slack.command("/salesbot", "currency EUR", user="UMANAGER"))
    assert "Reporting currency is now *EUR* (€)" in said and "no longer apply" in said
    frame = won_in(priced(deals_path, rates_path), *Q3)
    eur = frame[frame["currency"] == "EUR"]
    slack.command("/kpi", "revenue Q3 2026 export", user="UMANAGER")
    text = slack.last_response_text()
    assert money(sum(int(Decimal(a) * 100) for a in eur["close_value"]), "EUR", "en") in text
    for currency in ("USD", "CNY", "GBP"):
        assert f"no {currency} rate for their dates" in text
    csv_text = next(u for u in slack.fake.uploads() if u["name"].endswith(".csv"))["content"].decode("utf-8-sig")
    header, row = csv_text.splitlines()[:2]
    assert header.startswith("period,metric,value (€),") and header.endswith("currency,left_out")
    assert ",EUR," in row and "in US$ (US$" in row and "no USD rate" in row
    bad = ack_text(slack.command("/salesbot", "currency EURO", user="UMANAGER"))
    assert "I don't know the currency *EURO*" in bad


def test_the_digest_converts_and_says_what_it_left_out(slack: SlackDriver, tmp_path) -> None:
    deals_path, rates_path = load(slack, tmp_path)
    with Session(slack.deps.engine) as session:  # one deal in a currency the team gave no rate for
        session.execute(
            insert(Deal),
            [
                {
                    "team_id": slack.team_id,
                    "external_id": "JPY1",
                    "status": "won",
                    "amount_cents": 100_000_000,
                    "currency": "JPY",
                    "created_date": date(2026, 10, 1),
                    "close_date": date(2026, 10, 20),
                }
            ],
        )
        session.commit()
    frame = won_in(priced(deals_path, rates_path), "2026-10-01", "2026-11-01")
    slack.command("/digest", "preview monthly", user="UMANAGER")
    text = message_text(slack.responses()[-1])
    assert money(converted_total(frame), "USD", "en") in text
    assert "⚠ Revenue: 1 deal in JP¥ (JP¥1,000,000) left out: no JPY rate" in text  # never a bare ¥
    # The trend chart's amounts include October: the chart itself says what they could not include.
    alts = {u["title"]: u["alt_txt"] or "" for u in slack.fake.uploads()}
    assert "Not included: 1 deal in JP¥ (JP¥1,000,000), no JPY rate for their dates" in alts["Revenue trend"]


def test_a_target_in_another_currency_is_converted_at_its_periods_last_day_or_said_not_compared(
    slack: SlackDriver, tmp_path
) -> None:
    """Targets keep the currency they were set in; attainment compares them at the rate in force on the last day
    of the target's period (CNY 0.1401 on 31 Dec 2026), and a target without a rate is said, never compared."""
    deals_path, rates_path = load(slack, tmp_path)
    slack.command("/target", "set revenue ¥700,000 this quarter", user="UMANAGER")
    text = slack.last_response_text()
    assert "Target set: *Revenue* · team · Q4 2026 (1 Oct – 31 Dec) · *CN¥700,000.00*" in text
    assert "Compared as US$98,070.00 (set as CN¥700,000.00, at the CNY rate of 2026-12-31: 0.1401)" in text

    q4 = won_in(priced(deals_path, rates_path), "2026-10-01", "2027-01-01")
    revenue = converted_total(q4)
    slack.command("/kpi", "revenue this quarter", user="UMANAGER")
    text = slack.last_response_text()
    assert money(revenue, "USD", "en") in text
    assert (
        "Target US$98,070.00 (set for Q4 2026 by Maria Lopez · set as CN¥700,000.00, at the CNY rate of "
        "2026-12-31: 0.1401) · attainment " + percent(revenue / 9_807_000, "en", 0)
    ) in text

    # In Chinese, 万 and 元: the yuan, shown as ¥ to a Chinese reader; a quarter with no rate of its own
    # converts at the last rate before its end.
    slack.command("/target", "set 销售额 70万元 2027年第一季度", user="UMANAGER")
    text = slack.last_response_text()
    assert "*¥700,000.00*" in text
    assert "按 US$98,070.00 比较（设定为 ¥700,000.00，按 2027-03-31 的 CNY 汇率 0.1401 折算）" in text

    # GBP has a rate only from 1 Sep 2026: a Q2 target in pounds cannot be compared, and the answer says why.
    slack.command("/target", "set revenue £50,000 Q2 2026", user="UMANAGER")
    slack.command("/kpi", "revenue Q2 2026", user="UMANAGER")
    text = slack.last_response_text()
    assert (
        "Target not compared: it was set as £50,000.00 (set for Q2 2026 by Maria Lopez) and there is no GBP rate "
        "for 2026-06-30 — add one with `/salesbot rate GBP …`"
    ) in text
    assert "attainment" not in text and "missed" not in text and "hit" not in text

    slack.command("/target", "list 2026", user="UMANAGER")
    listing = slack.last_response_text()
    assert "*CN¥700,000.00* = US$98,070.00 (set as CN¥700,000.00, at the CNY rate of 2026-12-31: 0.1401)" in listing
    assert "*£50,000.00* — Target not compared" in listing

    # A rate for the day fills the gap: the same target is now compared, converted.
    slack.command("/salesbot", "rate GBP 1.25 from 2026-06-01", user="UMANAGER")
    slack.command("/kpi", "revenue Q2 2026", user="UMANAGER")
    text = slack.last_response_text()
    assert "Target US$62,500.00 (set for Q2 2026 by Maria Lopez · set as £50,000.00, at the GBP rate of " in text
    assert "attainment" in text


def test_the_digest_says_when_the_team_target_has_no_rate(slack: SlackDriver, tmp_path) -> None:
    load(slack, tmp_path)
    slack.command("/target", "set revenue 5000000 JPY October 2026", user="UMANAGER")
    slack.command("/digest", "preview monthly", user="UMANAGER")
    text = message_text(slack.responses()[-1])
    assert "Team target" not in text
    assert (
        "⚠ Target not compared: it was set as JP¥5,000,000 (set for October 2026 by Maria Lopez) and there is no "
        "JPY rate for 2026-10-31" in text
    )

    # A rep's target in yen: the digest and its rep chart say it was not compared (a grey bar alone reads
    # "no target").
    slack.command("/target", "set revenue 300000 JPY October 2026 <@UALICE>", user="UMANAGER")
    slack.command("/digest", "preview monthly", user="UMANAGER")
    text = message_text(slack.responses()[-1])
    said = "Targets not compared for Alice Chen: set in JP¥ with no rate for their periods' last days (JPY)"
    assert said in text
    alts = [u["alt_txt"] or "" for u in slack.fake.uploads() if "rep" in (u["title"] or "").lower()]
    assert alts and said in alts[-1], alts


def test_each_breakdown_row_flags_what_its_own_figure_left_out(slack: SlackDriver, tmp_path) -> None:
    """By rep, each rep whose revenue could not include deals (GBP before its first rate) says so beside the
    figure — in the table, in Chinese, in the CSV export — and the by-week chart says it on the figure."""
    deals_path, rates_path = load(slack, tmp_path)
    frame = won_in(priced(deals_path, rates_path), *Q3)
    slack.command("/kpi", "revenue by rep Q3 2026 export", user="UMANAGER")
    text = slack.last_response_text()
    lines = {line.split("   ")[0].split(". ", 1)[-1]: line for line in text.splitlines() if "   *" in line}
    per_rep = {rep: left_out(rows) for rep, rows in frame.groupby("sales_agent")}
    assert any(per_rep.values()) and set(per_rep) <= set(lines)
    for rep, gone in per_rep.items():
        if gone:
            ((n, cents),) = gone.values()
            deals = "1 deal" if n == 1 else f"{n} deals"
            assert f"⚠ {deals} in £ ({money(cents, 'GBP', 'en')}) left out" in lines[rep], lines[rep]
        else:
            assert "left out" not in lines[rep], lines[rep]
    csv_text = next(u for u in slack.fake.uploads() if u["name"].endswith(".csv"))["content"].decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    for row in rows:
        gone = per_rep.get(row["rep"], {})
        if gone:
            ((n, cents),) = gone.values()
            assert row["left_out"].startswith(f"{n} deal") and money(cents, "GBP", "en") in row["left_out"]
        else:
            assert row["left_out"] == ""

    slack.command("/kpi", "2026年第三季度 销售额 按销售", user="UMANAGER")
    chinese = slack.last_response_text()
    assert "笔英镑（£" in chinese and "）未计入" in chinese

    slack.command("/kpi", "revenue by week Q3 2026", user="UMANAGER")
    png = next(u for u in reversed(slack.fake.uploads()) if u["name"].endswith(".png"))["content"]
    assert int.from_bytes(png[20:24], "big") == 540 + 22 + 12  # the chart grew one footnote line: GBP left out


def test_a_reps_target_without_a_rate_is_not_compared_in_their_row_never_no_target(
    slack: SlackDriver, tmp_path
) -> None:
    """Alice's Q3 target was set in yen and there is no JPY rate: her row in the breakdown and the leaderboard
    says the target is not compared and the table says why — "no target" would tell the manager none was set."""
    load(slack, tmp_path)
    slack.command("/target", "set revenue 5000000 JPY Q3 2026 <@UALICE>", user="UMANAGER")
    assert "JP¥5,000,000" in slack.last_response_text()
    slack.command("/target", "set revenue 20000 Q3 2026 @\"Bob Stone\"", user="UMANAGER")
    for command in ("revenue by rep Q3 2026", "leaderboard Q3 2026"):
        slack.command("/kpi", command, user="UMANAGER")
        text = slack.last_response_text()
        rows = {line.split("   ")[0].split(". ", 1)[-1]: line for line in text.splitlines() if "   *" in line}
        assert "target not compared (no rate)" in rows["Alice Chen"], (command, rows)
        assert "no target" not in rows["Alice Chen"]
        assert "of target" in rows["Bob Stone"] and "not compared" not in rows["Bob Stone"]
        assert "no target" in rows["Dana Ruiz"]  # none was set for her
        assert (
            "Targets not compared for Alice Chen: set in JP¥ with no rate for their periods' last days (JPY) — "
            "add one with `/salesbot rate JPY …`"
        ) in text

    slack.command("/kpi", "按销售 销售额 2026年第三季度", user="UMANAGER")
    text = slack.last_response_text()
    assert "目标未比较（缺汇率）" in text and "Alice Chen 的目标未比较：以JP¥设定" in text
