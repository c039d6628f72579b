"""Smoke test of the loaders benchmark's scoring: structure, never speed."""

from benchmarks.documents import Generated, cjk_text
from benchmarks.loaders import plain_sentences, report, score, shipped_sentences


def test_a_sentence_glued_to_a_heading_or_furniture_is_not_split_right() -> None:
    doc = Generated("x.pdf", b"", ["Revenue grew.", "Costs fell."], ["Page 1"])
    glued = plain_sentences("Results\nRevenue grew.\n\nCosts fell.\nPage 1")
    result = score(glued, doc, 1.0)
    assert glued[0] == "Results Revenue grew."
    assert result.characters == 1.0 and result.sentences == 1 and result.leaked == 1
    assert score(["Revenue grew.", "Costs fell."], doc, 1.0).sentences == 2


def test_the_shipped_loader_is_scored_and_reported() -> None:
    leave = cjk_text()
    result = score(shipped_sentences(leave.data, leave.name), leave, 1.0)
    assert result.sentences == len(leave.sentences)
    row = {"document": leave.name, "library": "shipped loader", **result.__dict__}
    text = report({"rows": [row], "not_installed": [], "bomb": {}, "versions": {},
                   "load_average": [1.0]})
    assert "| leave.txt | shipped loader | 100% | 5/5 | 0 |" in text
