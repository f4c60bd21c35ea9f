"""Three versions of one small CRM export, imported at three moments: the history the reports and handlers
tests read (tests/reports/test_history.py, tests/handlers/test_history.py)."""

from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from db import clock
from db.importers import ImportOptions, import_file

TEAM = "T0001"
HEADER = "opportunity_id,deal_name,sales_agent,account,deal_stage,engage_date,close_date,close_value,currency\n"
V1 = [  # 5 Oct 2026: history starts
    "D1,Alpha,Ann,Acme,Prospecting,2026-09-01,2026-12-15,1000,USD",
    "D2,Beta,Ann,Bolt,Engaging,2026-09-02,2026-12-20,2000,USD",
    "D3,Gamma,Bob,Core,Engaging,2026-09-03,2026-12-01,3000,USD",
    "D4,Delta,Bob,Dyne,Prospecting,2026-09-04,2027-01-10,4000,USD",
    "D5,Epsilon,Ann,Echo,Engaging,2026-09-05,2027-01-20,5000,USD",
]
V2 = [  # 20 Oct
    "D1,Alpha,Ann,Acme,Engaging,2026-09-01,2026-12-15,1000,USD",  # Prospecting -> Engaging
    "D2,Beta,Ann,Bolt,Engaging,2026-09-02,2026-12-20,2500,EUR",  # amount and currency
    "D3,Gamma,Bob,Core,Engaging,2026-09-03,2027-02-01,3000,USD",  # close date moved out 62 days
    "D4,Delta,Ann,Dyne,Prospecting,2026-09-04,2027-01-10,4000,USD",  # Bob -> Ann
    "D5,Epsilon (renamed),Ann,Echo,Engaging,2026-09-05,2027-01-20,5000,USD",  # name only
    "D6,Zeta,Bob,Zinc,Prospecting,2026-10-19,2027-03-01,6000,USD",  # new
]
V3 = [  # 10 Nov
    "D1,Alpha,Ann,Acme,Won,2026-09-01,2026-11-09,1000,USD",  # Engaging -> Won
    "D2,Beta,Ann,Bolt,Lost,2026-09-02,2026-11-09,2500,EUR",  # Engaging -> Lost
    "D3,Gamma,Bob,Core,Engaging,2026-09-03,2027-02-01,3000,USD",
    "D4,Delta,Ann,Dyne,Prospecting,2026-09-04,2027-01-10,4000,USD",
    "D5,Epsilon (renamed),Ann,Echo,Engaging,2026-09-05,2027-01-20,5000,USD",
    "D6,Zeta,Bob,Zinc,Engaging,2026-10-19,2027-03-01,6000,USD",  # Prospecting -> Engaging after 21 days
]
MOMENTS = (datetime(2026, 10, 5, 9, 0, tzinfo=UTC), datetime(2026, 10, 20, 9, 0, tzinfo=UTC),
           datetime(2026, 11, 10, 9, 0, tzinfo=UTC))


def csv_bytes(rows: list[str]) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode()


def import_history(engine: Engine) -> None:
    """V1, V2 and V3 imported at MOMENTS (the clock stands still at each)."""
    for moment, rows in zip(MOMENTS, (V1, V2, V3), strict=True):
        with clock.moved_to(moment, frozen=True):
            result = import_file(engine, "deals", csv_bytes(rows), filename="deals.csv", team_id=TEAM,
                                 options=ImportOptions(), today=clock.today())
        assert result.status == "done", result
