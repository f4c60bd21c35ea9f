"""Property: whatever text data holds, the views that post it never carry a live `<…>` sequence or a bare
broadcast word. Hypothesis feeds hostile names, accounts, stages, answers and comments through the KPI
tables, the digest, the check-in copies and brief, the feedback summary, the import report and the "not
understood" reply; a view that forgets `reports.mrkdwn.escape` fails here."""

from datetime import UTC, date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db.importers.report import ImportResult, RowProblem
from handlers import feedback, import_views, kpi_views, replies
from reports import checkins, digest
from reports import feedback_analysis as fa
from reports import feedback_themes as ft
from reports.kpi_engine import BreakdownRow, Comparison, KpiValue
from reports.mrkdwn import capped, escape, plain
from reports.periods import Period
from tests.handlers.test_untrusted_text import AUTOLINK, BARE_URLS, assert_nothing_live, readable

PIECES = [*BARE_URLS, "<!channel>", "<!here>", "<!everyone>", "<@UVICTIM>", "<#CSECRET>", "<http://evil.example|ok>",
          "@channel", "＠here", "@everyone", "&", "&lt;", "<", ">", "|", "*", "\u202e", "张三", " "]
hostile = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), min_size=1, max_size=6).map("".join)
MONEY = KpiValue("revenue", 500_000, "money")
NOV = Period(date(2026, 11, 1), date(2026, 12, 1), "month")
QUICK = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _texts(message: dict) -> list[str]:
    from tests.handlers.test_untrusted_text import visible_texts

    return visible_texts(message, [])


def test_escape_follows_slacks_rules_and_keeps_the_words() -> None:
    assert escape("<!channel> & <http://x|y>") == "&lt;!channel&gt; &amp; &lt;http:\u2060//x|y&gt;"
    assert escape("@here @Channel ＠everyone") == "@\u2060here @\u2060Channel ＠\u2060everyone"
    assert escape("a@heret.com") == "a@heret.\u2060com"  # not a broadcast word; an address, kept from linking
    assert plain(escape("<a> & b")) == "<a> & b"
    assert capped("x" * 100_000) == "x" * 199 + "…" and capped("short") == "short"


def test_bare_addresses_read_as_typed_and_never_link() -> None:
    for url in BARE_URLS:
        assert AUTOLINK.search(url), url  # the detector sees each one raw
        shown = escape(f"see {url} now")
        assert not AUTOLINK.search(shown), shown
        assert readable(shown) == f"see {url} now" and plain(shown) == f"see {url} now"
    assert escape("3.5% of $1,234.56, v2.0") == "3.5% of $1,234.56, v2.0"  # numbers untouched
    assert escape("deals.csv sheet1.xml 汇率.CSV") == "deals.csv sheet1.xml 汇率.CSV"  # file types are no address
    assert escape("deals.csv.com www.e") == "deals.\u2060csv.\u2060com www.\u2060e"


@QUICK
@given(names=st.lists(hostile, min_size=1, max_size=4))
def test_kpi_tables_escape_every_label(names: list[str]) -> None:
    frame = kpi_views.Frame("en", "USD", "November 2026", escape(names[0]), '{"t": "x"}')
    rows = [BreakdownRow(i, name, MONEY) for i, name in enumerate(names)]
    assert_nothing_live(_texts(kpi_views.breakdown_message("revenue", "account", rows, frame, total=MONEY)))
    cmp = Comparison(MONEY, MONEY, MONEY, 0.0, 0.0)
    assert_nothing_live(_texts(kpi_views.figure_message(cmp, frame)))


@QUICK
@given(name=hostile, stage=hostile, account=hostile)
def test_the_digest_escapes_reps_stages_and_drops(name: str, stage: str, account: str) -> None:
    cmp = Comparison(MONEY, KpiValue("revenue", 900_000, "money"), MONEY, -0.4, 0.0)
    d = digest.Digest(
        "T1", "weekly", NOV, "en", "USD", cmp, 3, 0.5, 100, 2, (1, 100), 1_000_000,
        reps=[digest.RepLine(1, name, 500, 1000, 0.1, "behind")],
        stages=[(stage, 1, 100)],
        drop=digest.Drop("product", account, -400, -0.4, detail=digest.Drop("account", name, -300, -0.5)),
    )
    assert_nothing_live(digest.digest_lines(d))


@QUICK
@given(name=hostile, answer=hostile, question=hostile)
def test_check_in_copies_and_summary_escape_names_answers_and_questions(name: str, answer: str, question: str) -> None:
    questions = [question, "What difficulties?", "What support do you need?", "Confidence 1-5?"]
    answers = {0: checkins.Answer(answer), 1: checkins.Answer(answer), 2: checkins.Answer(answer),
               3: checkins.Answer("4")}
    run = checkins.RunView(1, 1, name, datetime(2026, 11, 27, 16, tzinfo=UTC), "UTC", questions, "completed", answers)
    lines = checkins.completed_copy(run, cadence="weekly", previous_confidence=3, numbers=None, language="en")
    lines += checkins.round_summary([run], cadence="weekly", previous=[], language="en")
    assert_nothing_live(lines)


@QUICK
@given(account=hostile, comment=hostile)
def test_the_feedback_summary_escapes_accounts_and_quotes(account: str, comment: str) -> None:
    theme = ft.Theme(ft.COMPLAINT, comment, ["x"], 2, 1, mentions=2, quote=comment)
    summary = fa.FeedbackSummary(
        date(2026, 11, 1), date(2026, 12, 1), 3, 3, 2, 2.0, 0.3, None, 1, None, None,
        [theme], [fa.AtRisk(account, 3, None, None)], 0, 0,
    )
    assert_nothing_live(_texts(feedback.render_summary(summary, "November 2026", "en", mine=False)))


@QUICK
@given(filename=hostile, column=hostile, value=hostile, owner=hostile)
def test_the_import_report_escapes_file_columns_values_and_owners(
    filename: str, column: str, value: str, owner: str
) -> None:
    refused = ImportResult("deals", filename, status="refused", rejected=1,
                           problems=[RowProblem(2, column, "bad_amount", value)])
    done = ImportResult("deals", filename, rows=1, inserted=1, stages=[(value, "won", 1)],
                        owners_unlinked=[owner], owners_linked=[owner])
    for result in (refused, done):
        assert_nothing_live(_texts(import_views.result_message(result, "en")))


@QUICK
@given(rest=hostile, understood=hostile)
def test_not_understood_escapes_and_caps_the_users_words(rest: str, understood: str) -> None:
    blocks = replies.not_understood(understood=[understood], rest=rest * 50, examples=["/kpi"], language="en")
    texts = _texts({"blocks": blocks})
    assert_nothing_live(texts)
    assert all(len(t) < 2 * replies.ECHO_LIMIT * 7 for t in texts)  # capped (an escaped char is ≤ 6 long)


@QUICK
@given(ref=hostile, first=hostile, second=hostile)
def test_which_person_answers_escape_the_candidates_names(ref: str, first: str, second: str) -> None:
    from types import SimpleNamespace

    candidates = [SimpleNamespace(name=first, user_id=None), SimpleNamespace(name=second, user_id="U0REAL")]
    for ambiguous in (True, False):
        match = SimpleNamespace(ref=ref, ambiguous=ambiguous, candidates=candidates)
        blocks = replies.person_unclear(match, language="en", example="/kpi revenue {who}")
        assert_nothing_live(_texts({"blocks": blocks}))
