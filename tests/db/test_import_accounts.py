"""Account exports (Salesforce, HubSpot, Fxiaoke, any spreadsheet): read per CRM's columns, all or nothing with
row numbers and reasons, idempotent, matched to deals' account names by reports/account_names' rules."""

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from db.accounts import size_band
from db.importers import import_file, resolve_team
from db.models import Account, DealAccount

SALESFORCE = (
    "Account Name,Industry,Billing Country,Employees,Annual Revenue,Account Currency\n"
    "Bluth Co.,Retail,United States,1200,\"$5,000,000.00\",USD\n"
    "Initech Inc,Technology,Germany,85,\"2.500.000,00\",EUR\n"
    "Acme,Manufacturing,,,,\n"
)
HUBSPOT = (
    "Company name,Industry,Country/Region,Number of Employees,Annual Revenue\n"
    "Globex,COMPUTER_SOFTWARE,Canada,250,1000000\n"
)
FXIAOKE = (
    "客户名称,行业,国家/省份/地区,人员规模,年营业额\n"
    "上海明远科技有限公司,制造业,上海,100-499人,5000万\n"
    "北京华通集团,金融,北京,1000人以上,\n"
)


def _accounts(engine: Engine, team: str) -> dict[str, Account]:
    with Session(engine) as session:
        return {a.name: a for a in session.exec(select(Account).where(Account.team_id == team)).scalars()}


def test_salesforce_hubspot_and_fxiaoke_account_exports(engine: Engine) -> None:
    team = resolve_team(engine, "T0001")
    sf = import_file(engine, "accounts", SALESFORCE.encode(), filename="accounts.csv", team_id=team)
    assert (sf.status, sf.file_format, sf.inserted) == ("done", "salesforce", 3)
    hs = import_file(engine, "accounts", HUBSPOT.encode(), filename="companies.csv", team_id=team)
    assert (hs.file_format, hs.inserted) == ("hubspot", 1)
    fx = import_file(engine, "accounts", FXIAOKE.encode("gb18030"), filename="客户.csv", team_id=team)
    assert (fx.file_format, fx.inserted, fx.encoding) == ("fxiaoke", 2, "gb18030")
    got = _accounts(engine, team)
    bluth = got["Bluth Co."]
    assert (bluth.key, bluth.sector, bluth.region, bluth.employees) == ("bluth", "Retail", "United States", 1200)
    assert (bluth.revenue_cents, bluth.revenue_currency) == (500_000_000, "USD")
    assert (got["Initech Inc"].revenue_cents, got["Initech Inc"].revenue_currency) == (250_000_000, "EUR")
    assert (got["Acme"].employees, got["Acme"].revenue_cents, got["Acme"].revenue_currency) == (None, None, "")
    assert got["Globex"].region == "Canada" and got["Globex"].employees == 250
    ming = got["上海明远科技有限公司"]
    assert (ming.key, ming.region, ming.employees) == ("上海明远科技", "上海", 100)
    assert (ming.revenue_cents, ming.revenue_currency) == (5_000_000_000, "CNY")  # Fxiaoke's default currency
    assert got["北京华通集团"].employees == 1000
    bands = {n: size_band(a.employees) for n, a in got.items()}
    assert bands == {"Bluth Co.": "enterprise", "Initech Inc": "small", "Acme": "", "Globex": "mid",
                     "上海明远科技有限公司": "mid", "北京华通集团": "enterprise"}


def test_bad_rows_are_refused_with_their_numbers_and_nothing_changes(engine: Engine) -> None:
    team = resolve_team(engine, "T0001")
    import_file(engine, "accounts", SALESFORCE.encode(), filename="a.csv", team_id=team)
    before = _accounts(engine, team)
    bad = (
        "account,sector,employees,revenue\n"
        "Bluth Co,Retail,1300,10\n"  # fine alone: would update Bluth Co.
        ",Retail,10,1\n"  # row 3: no name
        "bluth co.,Retail,5,1\n"  # row 4: the same account as row 2
        "Vandelay,Import,many,1\n"  # row 5: employees not a number
        "Kramerica,Ideas,3,lots\n"  # row 6: revenue not readable
    )
    result = import_file(engine, "accounts", bad.encode(), filename="bad.csv", team_id=team)
    assert result.refused and result.rejected == 4
    assert [(p.row, p.column, p.reason) for p in result.problems] == [
        (3, "account", "missing_name"), (4, "account", "duplicate_account"), (5, "employees", "bad_employees"),
        (6, "revenue", "bad_amount")]
    after = _accounts(engine, team)
    assert {n: a.employees for n, a in after.items()} == {n: a.employees for n, a in before.items()}


def test_reimport_is_idempotent_and_updates_in_place(engine: Engine) -> None:
    team = resolve_team(engine, "T0001")
    first = import_file(engine, "accounts", SALESFORCE.encode(), filename="a.csv", team_id=team)
    again = import_file(engine, "accounts", SALESFORCE.encode(), filename="a.csv", team_id=team)
    assert (first.inserted, again.inserted, again.updated, again.unchanged) == (3, 0, 0, 3)
    changed = SALESFORCE.replace(",1200,", ",90,")
    third = import_file(engine, "accounts", changed.encode(), filename="a.csv", team_id=team)
    assert (third.inserted, third.updated, third.unchanged) == (0, 1, 2)
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Account)).scalar() == 3
    assert _accounts(engine, team)["Bluth Co."].employees == 90


def test_deal_account_names_link_by_the_account_name_rules(engine: Engine) -> None:
    team = resolve_team(engine, "T0001")
    deals = (
        "id,account,stage,amount,close_date\n"
        "1,bluth co,won,100,2026-01-05\n"
        "2,BLUTH CO.,lost,0,2026-01-06\n"
        "3,上海明远科技,won,5,2026-01-07\n"
        "4,Nobody Ltd,won,5,2026-01-07\n"
    )
    import_file(engine, "deals", deals.encode(), filename="d.csv", team_id=team)
    import_file(engine, "accounts", SALESFORCE.encode(), filename="a.csv", team_id=team)
    import_file(engine, "accounts", FXIAOKE.encode(), filename="c.csv", team_id=team)
    got = _accounts(engine, team)
    with Session(engine) as session:
        links = {d.name: d.account_id for d in session.exec(select(DealAccount)).scalars()}
    assert links == {"bluth co": got["Bluth Co."].id, "BLUTH CO.": got["Bluth Co."].id,
                     "上海明远科技": got["上海明远科技有限公司"].id}


def test_maven_accounts_csv(engine: Engine, shared_data: Path) -> None:
    team = resolve_team(engine, "T0001")
    data = (shared_data / "crm_sales_opportunities" / "accounts.csv").read_bytes()
    result = import_file(engine, "accounts", data, filename="accounts.csv", team_id=team)
    assert (result.status, result.file_format, result.inserted, result.rejected) == ("done", "generic", 85, 0)
    assert result.mapping == {"name": "account", "sector": "sector", "region": "office_location",
                              "employees": "employees", "revenue": "revenue"}
    acme = _accounts(engine, team)["Acme Corporation"]
    assert (acme.sector, acme.region, acme.employees) == ("technolgy", "United States", 2822)


def test_skip_bad_rows_imports_the_rest_and_gives_the_bad_rows_back(engine: Engine) -> None:
    from db.importers import ImportOptions

    team = resolve_team(engine, "T0001")
    data = b"account,sector,employees\nBluth Co.,Retail,1200\nVandelay,Import,many\n"
    result = import_file(engine, "accounts", data, filename="a.csv", team_id=team,
                         options=ImportOptions(skip_bad_rows=True))
    assert (result.status, result.inserted, result.rejected) == ("partial", 1, 1)
    assert b"Vandelay" in result.rejected_csv() and b"employees not a number" in result.rejected_csv()
    assert list(_accounts(engine, team)) == ["Bluth Co."]
