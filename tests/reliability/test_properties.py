"""Property-based tests of the loaders, the chunker and the figure normaliser on hostile text:
any Unicode (control characters, right-to-left, emoji, CJK), any bytes, any figure format.
They extend tests/knowledge/test_chunking.py and tests/checks/test_numbers.py (plain sentences,
fixed formats)."""

import hashlib
import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.checks.numbers import extract_figures, normalise_for_match
from assistant.errors import DocumentError
from assistant.knowledge.chunking import chunk_document
from assistant.knowledge.loaders import SUPPORTED_SUFFIXES, LoadedDocument, load_bytes

CONTROL = {chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]}
PIECES = st.sampled_from([
    "Tariffs rose.", "الاقتصاد الرقمي", "כלכלה", "数字经济。", "🚀", "👩‍👩‍👧", "\u202e", "\x00",
    "\x1b[31m", "\t", "\r\n", "\n\n", "  ", "e.g. ", "42.8%", "US$3.5bn", "# ", "<p>", "</p>",
    "&amp;", "*", "\ufeff", "e\u0301",
])
HOSTILE_TEXT = st.one_of(
    st.text(max_size=400),
    st.lists(st.one_of(PIECES, st.text(max_size=12)), max_size=60).map("".join),
)
HEAVY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_document(doc: LoadedDocument, data: bytes) -> None:
    assert doc.content_hash == hashlib.sha256(data).hexdigest()
    assert doc.text == unicodedata.normalize("NFC", doc.text)
    assert not CONTROL & set(doc.text.replace("\n", ""))
    for section in doc.sections:
        for start, end in section.paragraphs:
            assert 0 <= start < end <= len(doc.text) and doc.text[start:end].strip()


@HEAVY
@given(HOSTILE_TEXT, st.sampled_from([".txt", ".md", ".markdown", ".html", ".htm"]))
def test_text_loaders_index_any_text_or_refuse_it_clearly(text: str, suffix: str) -> None:
    data = text.encode("utf-8", "surrogatepass")
    try:
        doc = load_bytes(data, f"doc{suffix}")
    except DocumentError as exc:
        assert str(exc)
        return
    check_document(doc, data)


@HEAVY
@given(st.binary(max_size=2000), st.sampled_from(SUPPORTED_SUFFIXES))
def test_any_bytes_of_any_type_load_or_raise_a_document_error(data: bytes, suffix: str) -> None:
    for payload in (data, b"%PDF-1.4\n" + data, b"PK\x03\x04" + data):
        try:
            doc = load_bytes(payload, f"doc{suffix}")
        except DocumentError:
            continue
        check_document(doc, payload)


@HEAVY
@given(HOSTILE_TEXT, st.integers(min_value=50, max_value=300))
def test_chunks_of_any_text_point_into_it_and_cover_it(text: str, min_chars: int) -> None:
    try:
        doc = load_bytes(text.encode("utf-8", "surrogatepass"), "doc.md")
    except DocumentError:
        return
    chunks = chunk_document(doc, min_chars, min_chars + 100)
    assert len({c.chunk_id for c in chunks}) == len(chunks)
    for chunk in chunks:
        assert doc.text[chunk.start : chunk.end] == chunk.text and chunk.text.strip()
        for start, end in chunk.sentences:
            assert 0 <= start < end <= len(chunk.text) and chunk.text[start:end].strip()
    # Headings are section names, not chunk text: the chunks cover every paragraph.
    covered = "".join(c.text for c in chunks)
    paragraphs = "".join(doc.text[a:b] for s in doc.sections for a, b in s.paragraphs)
    assert "".join(covered.split()) == "".join(paragraphs.split())


VALUES = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False)
FORMATS = st.sampled_from(["{}%", "{} percent", "US${} billion", "${}bn", "{} yuan", "{}"])


@given(HOSTILE_TEXT)
def test_normalising_twice_changes_nothing(text: str) -> None:
    once = normalise_for_match(text)
    assert normalise_for_match(once) == once


@given(VALUES, FORMATS, HOSTILE_TEXT, HOSTILE_TEXT)
def test_a_figure_is_found_whatever_surrounds_it(
    value: object, form: str, before: str, after: str
) -> None:
    """A figure set apart by punctuation keeps its value among any text: RTL, CJK, emoji..."""
    figure = form.format(f"{value:,}")
    [alone] = [f for f in extract_figures(figure) if f.kind != "ordinal"]
    found = extract_figures(f"{before} ; {figure} ; {after}")
    assert any(f.matches(alone) for f in found)
