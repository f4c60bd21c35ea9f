"""One glossary of Chinese terms used everywhere (issue 10): every catalog string uses the glossary's term,
never a stray synonym, and the README shows the same table."""

from pathlib import Path

import bot.app  # noqa: F401  (imports every feature, so every catalog is registered)
from reports import glossary
from reports.i18n import catalog_entries, t

README = Path(__file__).resolve().parents[2] / "README.md"


def test_no_catalog_string_uses_a_word_the_glossary_replaces() -> None:
    offenders = []
    for key, entry in catalog_entries().items():
        if "help" in key:  # help texts list the synonyms a user may type, e.g. 商机金额（管道）
            continue
        for word, term in glossary.AVOID.items():
            if word in entry.get("zh", ""):
                offenders.append(f"{key}: {word} -> {term}")
    assert offenders == []


def test_metric_names_and_statuses_are_the_glossary_terms() -> None:
    for metric in ("revenue", "win_rate", "pipeline", "attainment", "pace", "checkin_rate"):
        assert t(f"kpi.metric.{metric}", "zh") == glossary.zh(metric)
    for status in ("on_track", "at_risk", "behind"):
        assert t(f"kpi.status.{status}", "zh") == glossary.zh(status) == t(f"checkin.status.{status}", "zh")
    assert t("checkin.setup.brief", "zh") == glossary.zh("brief")


def test_the_readme_shows_the_glossary() -> None:
    assert glossary.markdown_table() in README.read_text(encoding="utf-8")
