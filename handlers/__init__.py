"""Every route of the app in one table, and every scheduled job source.

Each feature module exposes `register(app)`; those that send on a schedule also expose `job_sources()`.
"""

from typing import Any

from handlers import (
    admin,
    ask,
    checkin,
    crm,
    digest,
    direct_messages,
    feedback,
    feedback_form,
    followup,
    home,
    imports,
    incentive,
    kpi,
    market,
    people,
    review,
    target,
    training,
    uninstall,
)

# direct_messages last: features add their DM routes in their own register().
FEATURES = [admin, people, kpi, target, home, digest, checkin, feedback, feedback_form, market, followup, training,
            review, ask, incentive, imports, crm, uninstall, direct_messages]


def register_handlers(app: Any) -> None:
    for feature in FEATURES:
        feature.register(app)


def job_sources() -> list[Any]:
    sources: list[Any] = []
    for feature in FEATURES:
        if hasattr(feature, "job_sources"):
            sources.extend(feature.job_sources())
    return sources
