"""`/incentive`: commission plans, earnings statements, the appraisal, teamwork ratings and shout-outs.

One job per module: `commands.py` reads the slash command and answers it; `shoutouts.py` is the scheduled
recognition (a message to the team channel once per rep, period and target passed). The arithmetic is
reports/commission.py, the statements reports/incentives.py, the appraisal reports/appraisal.py.
"""

from typing import Any

from handlers.incentive import commands, shoutouts


def job_sources() -> list[Any]:
    return [shoutouts.Shoutouts()]


def register(app: Any) -> None:
    app.command("/incentive")(ack=commands.ack_incentive, lazy=[commands.answer_incentive])
