import json
from pathlib import Path

import pytest

from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.ingest import sync
from assistant.search.features import UNIT_FEATURES
from assistant.search.fitted import PACKAGED
from assistant.search.rerank import parameters
from assistant.search.retrieve import RERANK_POOL, search

HURDLE = "What is the biggest obstacle to China joining the CPTPP and DEPA?"
GAIN = "What would China gain geopolitically by joining DEPA and the CPTPP?"


def test_the_chunk_of_the_answering_sentence_comes_first_though_fusion_ranked_it_lower(
    bundled_kb: KnowledgeBase,
) -> None:
    question = (
        "What kinds of supportive measures did governments adopt for cross-border online trade?"
    )
    pool = search(bundled_kb, question, RERANK_POOL).hits
    fused_first = max(pool, key=lambda hit: hit.fused_score)
    hits = search(bundled_kb, question, 4).hits
    assert "tax reductions" in hits[0].text and "tax reductions" not in fused_first.text
    assert hits[0].rerank_score is not None
    scores = [h.rerank_score or 0.0 for h in hits]
    assert scores == sorted(scores, reverse=True)


def test_a_year_the_question_names_puts_the_chunk_with_that_year_first(
    bundled_kb: KnowledgeBase,
) -> None:
    hits = search(bundled_kb, "What share of GDP did the digital economy make up in 2015?", 4).hits
    assert "2015" in hits[0].text


def test_the_leading_units_are_scored_again_with_their_word_alignment(
    bundled_kb: KnowledgeBase,
) -> None:
    candidates = search(bundled_kb, GAIN, 4).candidates
    leading = parameters(bundled_kb).aligned_units
    assert candidates[0].text.startswith("Geopolitically")
    assert all(c.aligned is not None for c in candidates[:leading])
    assert all(c.aligned is None for c in candidates[leading:])
    assert min(c.score for c in candidates[:leading]) >= max(c.score for c in candidates[leading:])


def test_a_leaning_sentence_is_scored_with_the_one_it_leans_on(
    bundled_kb: KnowledgeBase,
) -> None:
    candidates = search(bundled_kb, HURDLE, 4).candidates
    pair = next(c for c in candidates if "primary hurdle" in c.text)
    assert len(pair.spans) == 2 and pair.text.startswith("However, its submission")


def test_embeddings_without_word_vectors_rank_by_the_other_signals(fast_kb: KnowledgeBase) -> None:
    sync(fast_kb)
    retrieval = search(fast_kb, "How many cross-border e-commerce pilot zones were set up?", 3)
    assert retrieval.candidates and "165" in retrieval.hits[0].text
    assert retrieval.candidates == sorted(retrieval.candidates, key=lambda c: -c.score)


def test_a_figure_is_scored_with_the_sentence_that_says_what_it_is_about(
    bundled_kb: KnowledgeBase,
) -> None:
    question = "What was China's position among importers of digitally deliverable trade?"
    retrieval = search(bundled_kb, question, 2)
    assert "seventh in imports" in retrieval.hits[0].text
    pair = next(c for c in retrieval.candidates if "seventh in imports" in c.text)
    assert len(pair.spans) == 2 and "lags behind" in pair.text


def test_word_alignment_can_be_turned_off(
    bundled_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bundled_kb.settings, "word_alignment", False)
    candidates = search(bundled_kb, GAIN, 4).candidates
    assert candidates and all(c.aligned is None for c in candidates)


def _without_feature(tmp_path: Path, name: str) -> Path:
    """The packaged parameters with one unit feature's weight set to zero in both rankers."""
    raw = json.loads(PACKAGED.read_text(encoding="utf-8"))
    for ranker in ("ranker", "aligned_ranker"):
        raw[ranker]["weights"][UNIT_FEATURES.index(name)] = 0.0
    path = tmp_path / f"without-{name}.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


def test_a_sentence_with_the_form_the_question_asks_for_comes_first_by_its_fitted_weight(
    bundled_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    question = "What is the main thing standing in the way of China joining the CPTPP and DEPA?"
    assert "The primary hurdle" in search(bundled_kb, question, 2).candidates[0].text
    monkeypatch.setattr(
        bundled_kb.settings, "answer_parameters", _without_feature(tmp_path, "type_match")
    )
    assert "The primary hurdle" not in search(bundled_kb, question, 2).candidates[0].text
