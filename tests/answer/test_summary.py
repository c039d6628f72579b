"""Central sentences: LexRank on sentence similarities, a pick across sections, in order."""

import numpy as np

from assistant.answer.summary import SUMMARIES, Pick, lexrank, select, summary_length
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.chunking import drop_footnote_marks
from assistant.types import Hit
from tests.conftest import ARTICLE


def test_lexrank_ranks_the_sentence_most_like_the_others_first() -> None:
    similarity = np.array(
        [[1.0, 0.8, 0.7, 0.1], [0.8, 1.0, 0.2, 0.1], [0.7, 0.2, 1.0, 0.1], [0.1, 0.1, 0.1, 1.0]]
    )
    scores = lexrank(similarity)
    assert int(np.argmax(scores)) == 0 and int(np.argmin(scores)) == 3
    assert abs(float(scores.sum()) - 1.0) < 1e-6


def _pick(section: str, start: int, text: str = "A sentence long enough to stand alone.") -> Pick:
    hit = Hit(
        chunk_id=f"doc:h:{start}", text=text, source="doc.md", title="Doc", section=section,
        chunk_index=start, start=start * 100, end=start * 100 + len(text),
        sentences=[(0, len(text))],
    )
    return Pick(hit, (0, len(text)), 0.0)


def test_the_pick_spreads_over_sections_and_keeps_document_order() -> None:
    """A slightly less central sentence of another section beats one of a section used."""
    sections = ["A", "A", "A", "B", "C", "A"]
    picks = [_pick(section, n) for n, section in enumerate(sections)]
    vectors = np.eye(6, dtype=np.float32)
    scores = np.array([0.30, 0.29, 0.28, 0.27, 0.26, 0.0])
    chosen = select(picks, vectors, scores, 3)
    assert [p.hit.section for p in chosen] == ["A", "B", "C"]
    far_less_central = np.array([0.30, 0.29, 0.28, 0.05, 0.04, 0.0])
    assert [p.hit.section for p in select(picks, vectors, far_less_central, 3)] == ["A"] * 3
    assert [p.position for p in chosen] == sorted(p.position for p in chosen)


def test_a_sentence_leaning_on_the_one_before_is_passed_over() -> None:
    picks = [_pick("A", 0, "They also found many churches there, as before."), _pick("A", 1),
             _pick("A", 2)]
    chosen = select(picks, np.eye(3, dtype=np.float32), np.array([0.6, 0.55, 0.0]), 1)
    assert chosen[0].hit.chunk_index == 1


def test_summary_length_is_three_to_six_sentences() -> None:
    assert [summary_length(n) for n in (2, 5, 50, 10_000)] == [2, 3, 5, 6]


def test_the_articles_central_sentences_come_from_its_sections(bundled_kb: KnowledgeBase) -> None:
    [record] = bundled_kb.manifest().values()
    picks = SUMMARIES.central(bundled_kb, record)
    assert 3 <= len(picks) <= 6
    assert len({p.hit.section for p in picks}) >= 3
    assert [p.position for p in picks] == sorted(p.position for p in picks)
    article = drop_footnote_marks(ARTICLE.read_text(encoding="utf-8"))
    assert all(p.text in article for p in picks)
    assert SUMMARIES.central(bundled_kb, record) is picks  # computed once per version
