"""The eval runner: fixtures, scoring, the regression gate and the reports, on real components."""

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from bs4 import BeautifulSoup
from typer.testing import CliRunner

from assistant.interfaces.cli import app
from assistant.knowledge.base import KnowledgeBase
from evals import report as report_module
from evals import runner as runner_module
from evals.cases import Case, FixtureError, load_cases, load_file
from evals.gate import EXIT_CORPUS_CHANGED, EXIT_REGRESSED, check, describe, new_baseline
from evals.metrics import METRICS, summarise
from evals.runs import combine, run_cases
from evals.scoring import RunScore, contains, found
from tests.conftest import ARTICLE

GDP_2023: dict[str, Any] = {
    "id": "gdp-2023",
    "question": "What share of China's GDP was the digital economy in 2023?",
    "expect": ["42.8 percent"],
    "cite": ["42.8 percent of GDP in 2023"],
    "tags": ["figure"],
}
FOLLOW_UP_2015: dict[str, Any] = {
    "id": "gdp-2015-follow-up",
    "history": [
        {"role": "user", "content": "What share of China's GDP was the digital economy in 2023?"},
        {"role": "assistant", "content": "42.8 percent [1]."},
    ],
    "question": "And in 2015?",
    "expect": ["27 percent"],
    "tags": ["follow-up", "figure"],
}
OFF_TOPIC: dict[str, Any] = {
    "id": "off-topic",
    "question": "What is the capital city of Australia?",
    "answerable": False,
    "tags": ["unanswerable"],
}


def write_fixture(path: Path, *cases: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump({"cases": list(cases)}, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("making up 42.8% of GDP", "42.8 percent"),
        ("making up 42.8 per cent of GDP", "42.8 percent"),
        ("about US$363 billion", "$363 billion"),
        ("about USD 363 billion", "US$363 billion"),
        ("with 2,500 overseas warehouses", "2500 overseas warehouses"),
        ("the “highest standards” of trade", '"highest standards"'),
        ("China’s   DIGITAL\neconomy", "china's digital economy"),
    ],
)
def test_matching_normalises_case_quotes_whitespace_and_numbers(text: str, phrase: str) -> None:
    assert contains(text, phrase)


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("up 127 percent", "27 percent"),
        ("2.63 trillion yuan", "2.6 trillion"),
        ("in 2015", "2019"),
        ("Chilean wine", "Chile"),
    ],
)
def test_matching_takes_whole_words_only(text: str, phrase: str) -> None:
    assert not contains(text, phrase)


def test_an_entry_with_alternatives_needs_one_of_them() -> None:
    assert found("China ranks 6th in DDT exports", ["sixth", "6th"])
    assert not found("China ranks fifth in DDT exports", ["sixth", "6th"])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("cases: [\n  - id: a\n    question: [unclosed\n", "not valid YAML"),
        ("questions: []\n", "expected a top-level `cases:` list"),
        ("cases: []\n", "the `cases:` list is empty"),
        ("cases:\n  - just a string\n", "case #1 is not a mapping"),
        (
            "cases:\n  - id: no-question\n    expect: ['1']\n",
            "case 'no-question': question: Field required",
        ),
        ("cases:\n  - id: typo\n    question: q?\n    expcet: ['1']\n", "case 'typo': expcet"),
        (
            "cases:\n  - id: both\n    question: q?\n    answerable: false\n    expect: ['1']\n",
            "case 'both': case: Value error, an unanswerable case (answerable: false) takes no",
        ),
        ("cases:\n  - id: empty\n    question: q?\n", "an answerable case needs expect or cite"),
        (
            "cases:\n  - id: blank\n    question: q?\n    expect: [['a', '']]\n",
            "case 'blank': expect",
        ),
    ],
)
def test_a_malformed_fixture_names_the_file_and_the_case(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FixtureError) as raised:
        load_file(path)
    assert str(raised.value).startswith(f"{path}: ")
    assert message in str(raised.value)


def test_missing_fixture_files_and_duplicate_ids_are_named(tmp_path: Path) -> None:
    with pytest.raises(FixtureError, match=r"nowhere\.yaml: no such fixture file"):
        load_cases([tmp_path / "nowhere.yaml"])
    first = write_fixture(tmp_path / "first.yaml", GDP_2023)
    second = write_fixture(tmp_path / "second.yaml", GDP_2023)
    duplicate = r"second\.yaml: case 'gdp-2023': the id is also used in .*first\.yaml"
    with pytest.raises(FixtureError, match=duplicate):
        load_cases([first, second])


def test_the_bundled_fixtures_cover_the_article_and_are_right_about_it() -> None:
    article = ARTICLE.read_text(encoding="utf-8")
    cases = load_cases()
    assert len(cases) >= 45
    assert sum(not case.answerable for case in cases) >= 10
    assert sum(bool(case.history) for case in cases) >= 5
    for case in cases:
        for entry in case.expect:
            assert found(article, entry), f"{case.id}: {entry!r} is not in the article"
        for cite in case.cite:
            assert contains(article, cite), f"{case.id}: cite {cite!r} is not in the article"


def test_a_fixture_that_cannot_pass_says_what_was_expected_and_what_came_back(
    bundled_kb: KnowledgeBase,
) -> None:
    impossible = Case.model_validate(
        {**GDP_2023, "expect": ["99.9 percent"], "cite": ["a sentence the article lacks"]}
    )
    (result,), _ = run_cases([impossible], bundled_kb)
    assert not result.passed
    fact, citation = result.failures
    assert fact.check == "fact" and fact.expected == '"99.9 percent" in the answer'
    assert "42.8 percent" in fact.got
    assert citation.check == "citation"
    assert citation.expected == 'a cited passage containing "a sentence the article lacks"'
    assert "[1]" in citation.got and "42.8 percent" in citation.got
    assert result.scores["retrieval_recall"] == 0.0 and result.scores["reciprocal_rank"] == 0.0


def test_an_answered_unanswerable_question_is_an_abstention_failure(
    bundled_kb: KnowledgeBase,
) -> None:
    case = Case.model_validate({**OFF_TOPIC, "question": GDP_2023["question"]})
    (result,), _ = run_cases([case], bundled_kb)
    assert [f.check for f in result.failures] == ["abstention"]
    assert result.failures[0].got.startswith('an answer: "')


def test_a_planted_regression_against_the_baseline_is_caught(bundled_kb: KnowledgeBase) -> None:
    cases = [Case.model_validate(raw) for raw in (GDP_2023, FOLLOW_UP_2015, OFF_TOPIC)]
    results, stamp = run_cases(cases, bundled_kb)
    assert all(r.passed for r in results), [r.failures for r in results]
    fingerprint = bundled_kb.fingerprint()
    baseline = new_baseline(results, summarise(results), fingerprint, stamp, None)
    assert check(results, summarise(results), fingerprint, stamp, baseline).passed

    planted = [cases[0].model_copy(update={"expect": ["99.9 percent"]}), *cases[1:]]
    results, stamp = run_cases(planted, bundled_kb)
    gate = check(results, summarise(results), fingerprint, stamp, baseline)
    assert not gate.passed and gate.exit_code == EXIT_REGRESSED
    assert [p.id for p in gate.regressions] == ["gdp-2023"]
    assert not gate.corpus_changed
    lines = describe(gate)
    regressed = 'regressed: gdp-2023: fact: expected "99.9 percent"'
    assert any(line.startswith(regressed) for line in lines)
    assert any(line.startswith("below threshold: pass_rate is 0.6667") for line in lines)


def test_a_changed_corpus_is_reported_as_such_not_as_a_regression(
    bundled_kb: KnowledgeBase,
) -> None:
    case = Case.model_validate({**GDP_2023, "expect": ["99.9 percent"]})
    results, stamp = run_cases([case], bundled_kb)
    passing = [results[0].model_copy(update={"passed": True, "failures": []})]
    baseline = new_baseline(passing, summarise(passing), "0123456789abcdef", stamp, None)
    gate = check(results, summarise(results), bundled_kb.fingerprint(), stamp, baseline)
    assert gate.corpus_changed and gate.exit_code == EXIT_CORPUS_CHANGED
    lines = describe(gate)
    assert lines[0].startswith("note: the corpus changed since the baseline (0123456789abcdef -> ")
    assert any(line.startswith("changed with the corpus: gdp-2023: ") for line in lines)
    assert not any(line.startswith("regressed:") for line in lines)


def test_without_a_baseline_any_failing_case_fails_the_gate(bundled_kb: KnowledgeBase) -> None:
    impossible = {**GDP_2023, "expect": ["99.9 percent"]}
    cases = [Case.model_validate(OFF_TOPIC), Case.model_validate(impossible)]
    results, stamp = run_cases(cases, bundled_kb)
    gate = check(results, summarise(results), bundled_kb.fingerprint(), stamp, None)
    assert gate.exit_code == EXIT_REGRESSED
    assert [p.id for p in gate.new_failures] == ["gdp-2023"]


def test_a_new_baseline_keeps_a_lower_threshold_and_floors_the_rest(
    bundled_kb: KnowledgeBase,
) -> None:
    results, stamp = run_cases([Case.model_validate(OFF_TOPIC)], bundled_kb)
    first = new_baseline(results, summarise(results), "f", stamp, None)
    assert first.thresholds["abstention_recall"] == 1.0 and "fact_accuracy" not in first.thresholds
    first.thresholds["pass_rate"] = 0.5
    second = new_baseline(results, summarise(results), "f", stamp, first)
    assert second.thresholds["pass_rate"] == 0.5 and second.thresholds["abstention_recall"] == 1.0


def _run(passed: bool, answer: str) -> RunScore:
    return RunScore(
        answer=answer,
        standalone_question="q",
        abstained=False,
        citations=[],
        failures=[] if passed else [{"check": "fact", "expected": '"x"', "got": answer}],
        fact=float(passed),
        citation=None,
        retrieval_recall=None,
        reciprocal_rank=None,
        answer_chars=len(answer),
        latency_ms=10.0,
    )


def test_repeated_runs_report_their_spread_and_the_majority_decides() -> None:
    case = Case.model_validate(GDP_2023)
    result = combine(case, [_run(True, "a"), _run(False, "b"), _run(True, "c")])
    assert result.passed and result.failures == [] and result.answer == "a"
    assert result.runs["passed"] == 2 and result.runs["distinct_answers"] == 3
    assert result.scores["fact"] == pytest.approx(2 / 3, abs=1e-3)
    tie = combine(case, [_run(True, "a"), _run(False, "b")])
    assert not tie.passed and tie.answer == "b"


SUMMARY_KEYS = {"cases", "passed", "failed", *METRICS}
CASE_KEYS = {
    "id",
    "file",
    "question",
    "history",
    "tags",
    "answerable",
    "passed",
    "failures",
    "answer",
    "standalone_question",
    "abstained",
    "citations",
    "scores",
    "runs",
}


def test_the_eval_command_reports_gates_and_keeps_a_trend(
    tmp_path: Path, knowledge_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_KNOWLEDGE_DIR", str(knowledge_dir))
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(runner_module, "RESULTS_DIR", tmp_path / "results")
    fixture = write_fixture(tmp_path / "cases.yaml", GDP_2023, FOLLOW_UP_2015, OFF_TOPIC)
    baseline, out_json, out_html = (tmp_path / name for name in ("base.json", "r.json", "r.html"))
    common = ["eval", "--fixtures", str(fixture), "--baseline", str(baseline)]
    cli = CliRunner()

    first = cli.invoke(app, [*common, "--update-baseline", "--json", str(out_json)])
    assert first.exit_code == 0, first.output
    written = json.loads(baseline.read_text(encoding="utf-8"))
    assert set(written["cases"]) == {"gdp-2023", "gdp-2015-follow-up", "off-topic"}
    assert written["thresholds"]["pass_rate"] == 1.0 and written["stamp"]["answer_mode"]

    report = json.loads(out_json.read_text(encoding="utf-8"))
    assert list(report) == ["format", "run", "summary", "gate", "cases"]
    assert list(report["run"]) == list(report_module.RUN_KEYS)
    assert set(report["summary"]) == SUMMARY_KEYS | {"by_tag"}
    assert set(report["summary"]["by_tag"]) == {"figure", "follow-up", "unanswerable"}
    assert all(set(m) == SUMMARY_KEYS for m in report["summary"]["by_tag"].values())
    assert all(set(case) == CASE_KEYS for case in report["cases"])

    write_fixture(fixture, {**GDP_2023, "expect": ["99.9 percent"]}, FOLLOW_UP_2015, OFF_TOPIC)
    second = cli.invoke(app, [*common, "--html", str(out_html), "--repeat", "2"])
    assert second.exit_code == EXIT_REGRESSED
    assert "regressed: gdp-2023: fact: expected" in second.output.replace("\n", " ")

    soup = BeautifulSoup(out_html.read_text(encoding="utf-8"), "html.parser")
    rows = soup.select("#cases tr")[1:]
    ids = ["case-gdp-2023", "case-gdp-2015-follow-up", "case-off-topic"]
    assert [row["id"] for row in rows] == ids
    failed = rows[0].get_text(" ")
    assert "FAIL" in failed and "99.9 percent" in failed and "42.8 percent" in failed
    assert "What share of China's GDP" in failed and "china-digital-trade.md" in failed
    assert "pass" in rows[2].get_text(" ")
    assert len(soup.select("#tag-charts figure svg rect")) >= 6 * 4
    assert soup.select("#latency-chart svg rect")
    assert soup.select("#trend-charts svg polyline")
    assert soup.select("#problems li")
    assert not soup.select("[src], link, script")


def test_the_bundled_fixtures_on_other_documents_say_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "gym.md").write_text(
        "# Gym\n\nThe company gym is on floor 3 and open until 22:00.\n", encoding="utf-8"
    )
    monkeypatch.setenv("ASSISTANT_KNOWLEDGE_DIR", str(knowledge))
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(runner_module, "RESULTS_DIR", tmp_path / "results")
    result = CliRunner().invoke(app, ["eval"], env={"COLUMNS": "400"})
    assert result.exit_code != 0
    output = " ".join(result.output.split())
    assert "the bundled fixtures ask about the bundled article" in output
    assert "--fixtures FILE" in output and str(knowledge) in output
