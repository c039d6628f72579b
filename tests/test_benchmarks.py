"""Smoke tests of the benchmark code on tiny inputs: structure, never speed."""

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.config import Settings
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.embeddings import MiniLMEmbeddings
from assistant.knowledge.ingest import sync
from benchmarks import answerability, synthetic
from benchmarks.quality import first_support, supports
from tests.fakes import KeywordHashEmbeddings


def test_a_chunk_supports_a_case_when_it_holds_every_cite_string() -> None:
    chunk = "making up 42.8 percent of GDP\n in 2023, up from 27 percent in 2015."
    assert supports(chunk, ["42.8 percent of GDP in 2023", "27 percent"])
    assert not supports(chunk, ["42.8 percent of GDP in 2023", "33 countries"])
    assert first_support(["nothing", chunk, chunk], ["27 percent in 2015"]) == 2
    assert first_support(["nothing"], ["27 percent"]) is None


def test_a_synthetic_corpus_of_n_paragraphs_is_n_chunks(tmp_path: Path) -> None:
    sentences = synthetic.write_corpus(tmp_path / "corpus", 45)
    assert len(list((tmp_path / "corpus").glob("*.md"))) == 3
    assert all(s.endswith(".") and s[0].isupper() for s in sentences)
    settings = Settings(knowledge_dir=tmp_path / "corpus", data_dir=tmp_path / "data")
    report = sync(KnowledgeBase(settings, embeddings=KeywordHashEmbeddings()))
    assert report.chunks == 45
    assert report.sentences_embedded == len(sentences)


def test_synthetic_corpora_are_reproducible() -> None:
    assert list(synthetic.documents(30)) == list(synthetic.documents(30))


def test_scale_measurement_and_report_on_a_tiny_corpus(tmp_path: Path) -> None:
    pytest.importorskip("psutil")
    pytest.importorskip("matplotlib")
    from benchmarks.measure import write_json
    from benchmarks.report import write_report
    from benchmarks.scale import measure, remeasure_queries

    row = measure(20, "embedded", rounds=1, embed_baseline=True, work=tmp_path / "work")
    assert row["chunks"] == 20
    again = remeasure_queries(row, rounds=2, work=tmp_path / "work")
    assert again["queries_remeasured"] and again["ingest_s"] == row["ingest_s"]
    assert again["query"]["n"] == 2 * row["query"]["n"] and "first_round" not in row["query"]
    assert again["query"]["first_round"]["n"] == again["query"]["later_rounds"]["n"]
    assert again["query"]["first_round"]["n"] == row["query"]["n"]
    assert row["query"]["n"] > 0 and row["query"]["p95_ms"] >= row["query"]["p50_ms"]
    assert {"ingest_chunks_per_s", "embed_chunks_per_s", "pipeline_overhead_cpu"} <= set(row)
    assert row["disk_mb"] > 0 and row["peak_rss_mb"] > 0
    write_json(tmp_path / "scale.json", {"rows": [row, {**row, "size": 40}]})
    results = write_report(tmp_path)
    assert "| embedded | 20 |" in results.read_text(encoding="utf-8")
    assert (tmp_path / "scale_query.png").stat().st_size > 0


def test_ask_without_a_knowledge_base_is_compared_with_a_shared_one(
    synced_workspace: Path, tmp_path: Path
) -> None:
    from benchmarks.library import compare, library_lines

    kb = KnowledgeBase(Settings(knowledge_dir=synced_workspace / "knowledge",
                                data_dir=synced_workspace / ".assistant"))
    asked = ["How many pilot zones were set up?", "What is the capital of France?"]
    result = compare(kb, rounds=2, asked=asked)
    assert result["ask_without_knowledge_base"]["n"] == 4
    assert result["ask_with_shared_knowledge_base"]["n"] == 4
    assert result["new_knowledge_base_per_call"]["n"] == 2
    assert result["questions_answered_differently"] == []
    assert result["p50_ratio"] > 0 and isinstance(result["met"], bool)
    section = "\n".join(library_lines({**result, "load_average_end": [1.0, 1.0, 1.0]}))
    assert "| `ask(q)`, no knowledge base |" in section


def test_answerability_pairs_each_question_with_the_sentence_it_was_written_against(
    tmp_path: Path,
) -> None:
    dataset = tmp_path / "squad.json"
    context = "The harbour opened in 1921. It was founded by Anna Berg."
    dataset.write_text(json.dumps({"data": [
        {"title": "Harbour", "paragraphs": [{"context": context, "qas": [
            {"question": "When did the harbour open?", "is_impossible": False,
             "answers": [{"text": "1921", "answer_start": 22}]},
            {"question": "Who closed the harbour?", "is_impossible": True, "answers": [],
             "plausible_answers": [{"text": "Anna Berg", "answer_start": 46}]},
        ]}]},
        {"title": "Held", "paragraphs": [{"context": "Kept out.", "qas": [
            {"question": "What is kept out?", "is_impossible": False,
             "answers": [{"text": "Kept", "answer_start": 0}]}]}]},
    ]}), encoding="utf-8")
    found = answerability.pairs(dataset, held_out={"Held"})
    assert [(p.sentence, p.answerable) for p in found] == [
        ("The harbour opened in 1921.", True), ("It was founded by Anna Berg.", False)]


def test_operating_points_count_unanswerable_questions_below_the_answerable_quantile() -> None:
    labels = np.array([True] * 20 + [False] * 20)
    separated = np.r_[np.linspace(0.6, 1.0, 20), np.linspace(0.0, 0.4, 20)]
    assert answerability.operating_points(separated, labels) == {
        "unanswerable_declined_at_5pct": 1.0, "unanswerable_declined_at_10pct": 1.0}
    assert answerability.operating_points(1 - separated, labels) == {
        "unanswerable_declined_at_5pct": 0.0, "unanswerable_declined_at_10pct": 0.0}


def test_word_alignment_marks_the_key_word_a_sentence_lacks() -> None:
    embeddings = MiniLMEmbeddings()
    copied = answerability.alignment_row(
        embeddings, "Who founded the harbour?", "The harbour was founded by Anna Berg.")
    swapped = answerability.alignment_row(
        embeddings, "Who closed the harbour?", "The harbour was founded by Anna Berg.")
    assert copied[3] == 0.0 and copied[4] == 1.0
    assert swapped[3] == 0.5 and swapped[4] < 1.0
    assert swapped[1] < copied[1]
