import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.knowledge.chunking import chunk_document, drop_footnote_marks, sentence_spans
from assistant.knowledge.loaders import load_bytes, load_file
from tests.conftest import ARTICLE


def _article_chunks() -> list[Any]:
    doc = load_file(ARTICLE, "china-digital-trade.md", 10**7, 100)
    return [doc, chunk_document(doc, 400, 900)]


def test_chunks_stay_in_size_and_point_at_their_text() -> None:
    doc, chunks = _article_chunks()
    assert len(chunks) > 10
    for chunk in chunks:
        assert doc.text[chunk.start : chunk.end] == chunk.text
        assert len(chunk.text) <= 900
    body = [c for c in chunks if "first published" not in c.text]
    assert sum(len(c.text) for c in body) / len(body) >= 400


def test_no_sentence_is_cut() -> None:
    doc, chunks = _article_chunks()
    all_sentences = {doc.text[a:b] for a, b in sentence_spans(doc.text.replace("\n\n", " "))}
    for chunk in chunks:
        for a, b in chunk.sentences:
            sentence = chunk.text[a:b]
            assert sentence[-1] in '.!?”"' or sentence[-1].isdigit(), sentence
    assert any("42.8 percent of GDP in 2023" in s for s in all_sentences)


def test_chunk_records_section_and_stable_ids() -> None:
    _, first = _article_chunks()
    _, second = _article_chunks()
    assert [c.chunk_id for c in first] == [c.chunk_id for c in second]
    assert any(c.section == "China’s Changing Approach to Digital Trade" for c in first)
    assert [c.index for c in first] == list(range(len(first)))


def test_sentence_splitting_handles_footnotes_abbreviations_and_decimals() -> None:
    text = (
        "China lags in trade (DDT).2 In 2023, it ranked sixth. "
        "The U.S. led with 3.5 percent, e.g. games."
    )
    sentences = [text[a:b] for a, b in sentence_spans(text)]
    assert sentences == [
        "China lags in trade (DDT).2",
        "In 2023, it ranked sixth.",
        "The U.S. led with 3.5 percent, e.g. games.",
    ]
    assert (
        drop_footnote_marks("The digital economy,1 fueled by") == "The digital economy, fueled by"
    )


words = st.text(
    alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Nd")), min_size=1, max_size=12
)
sentences = st.lists(words, min_size=1, max_size=30).map(lambda ws: " ".join(ws).capitalize() + ".")


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(sentences, min_size=1, max_size=12), min_size=1, max_size=6))
def test_chunker_properties(paragraphs: list[list[str]]) -> None:
    """Any text: chunks cover it in order, never exceed the limit unless one sentence does."""
    text = "\n\n".join(" ".join(p) for p in paragraphs)
    doc = load_bytes(text.encode(), "gen.txt")
    chunks = chunk_document(doc, 100, 300)
    longest_sentence = max(len(s) for p in paragraphs for s in p)
    previous_end = 0
    for chunk in chunks:
        assert doc.text[chunk.start : chunk.end] == chunk.text
        assert chunk.start >= previous_end
        assert len(chunk.text) <= max(300, longest_sentence + 1) or "\n" not in chunk.text
        previous_end = chunk.end
    covered = "".join(c.text for c in chunks)
    assert re.sub(r"\s", "", covered) == re.sub(r"\s", "", doc.text.replace("Page", ""))
