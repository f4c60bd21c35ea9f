"""The tone lexicon on real reviews (../shared/data): 3,150 Amazon Alexa reviews rated 1-5 and 7,766 Chinese
hotel reviews labelled positive/negative (ChnSentiCorp). Measured figures, sane thresholds. The themes found
in the same files are tested in test_feedback_themes_corpora.py."""

import csv
from functools import cache
from pathlib import Path

import pytest

from reports import feedback_analysis as fa


@cache
def _read_alexa(data: Path) -> list[tuple[int, str]]:
    with open(data / "amazon_alexa.tsv", encoding="utf-8-sig", newline="") as f:
        return [(int(r["rating"]), r["verified_reviews"] or "") for r in csv.DictReader(f, delimiter="\t")]


@cache
def _read_hotels(data: Path) -> list[tuple[int, str]]:
    with open(data / "ChnSentiCorp_htl_all.csv", encoding="utf-8", newline="") as f:
        return [(int(r["label"]), r["review"] or "") for r in csv.DictReader(f)]


@pytest.fixture
def alexa(shared_data: Path) -> list[tuple[int, str]]:
    """(rating 1-5, review) — read once per test session."""
    return _read_alexa(shared_data)


@pytest.fixture
def hotels(shared_data: Path) -> list[tuple[int, str]]:
    """(label 0 negative / 1 positive, review) — read once per test session."""
    return _read_hotels(shared_data)


def test_tone_of_alexa_reviews_separates_low_from_high(alexa: list[tuple[int, str]]) -> None:
    low = [fa.sentiment(text) for rating, text in alexa if rating <= 2]
    high = [fa.sentiment(text) for rating, text in alexa if rating >= 4]
    low_negative = low.count(fa.NEGATIVE) / len(low)  # measured 0.51
    high_negative = high.count(fa.NEGATIVE) / len(high)  # measured 0.03
    high_positive = high.count(fa.POSITIVE) / len(high)  # measured 0.78
    assert low_negative >= 0.45 and high_negative <= 0.06 and high_positive >= 0.7


def test_tone_of_chinese_hotel_reviews(hotels: list[tuple[int, str]]) -> None:
    negative = [fa.sentiment(text) for label, text in hotels if label == 0]
    positive = [fa.sentiment(text) for label, text in hotels if label == 1]
    assert (len(negative), len(positive)) == (2444, 5322)
    flagged = negative.count(fa.NEGATIVE) / len(negative)  # measured 0.77
    false_alarms = positive.count(fa.NEGATIVE) / len(positive)  # measured 0.17
    assert flagged >= 0.7 and false_alarms <= 0.22
    assert positive.count(fa.POSITIVE) / len(positive) >= 0.6  # measured 0.64
