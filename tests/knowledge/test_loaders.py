import io
from pathlib import Path

import pytest

from assistant.errors import DocumentError
from assistant.knowledge.loaders import load_bytes, load_file
from tests.conftest import ARTICLE


def test_markdown_article_keeps_title_sections_and_sentences() -> None:
    doc = load_file(ARTICLE, "china-digital-trade.md", 10**7, 100)
    assert doc.title == "China’s Digital Economy and Digital Trade"
    headings = [s.heading for s in doc.sections]
    assert "China’s Changing Approach to Digital Trade" in headings
    assert "China’s Strategy on Global Digital Trade Collaboration" in headings
    article = Path(__file__).resolve().parents[2] / "knowledge" / "china-digital-trade.md"
    original = article.read_text()
    for line in original.splitlines():
        if line and not line.startswith("#"):
            assert line in doc.text, "every paragraph survives verbatim"
    assert doc.text.rstrip().endswith("Italian Institute for International Political Studies.")


def test_paragraph_offsets_point_into_the_normalised_text() -> None:
    doc = load_bytes(b"# T\n\nFirst para.\n\n## S\n\nSecond para here.", "x.md")
    (first,), (second,) = doc.sections[0].paragraphs, doc.sections[1].paragraphs
    assert doc.text[first[0] : first[1]] == "First para."
    assert doc.text[second[0] : second[1]] == "Second para here."
    assert doc.sections[1].heading == "S"


def test_text_file_heading_heuristic_and_title_fallback() -> None:
    doc = load_bytes(b"Some opening sentence here.\nA Heading\nBody text follows.", "my-notes.txt")
    assert doc.title == "A Heading"
    assert [s.heading for s in doc.sections] == ["", "A Heading"]
    plain = load_bytes(b"Only a sentence. And another one.", "my_notes.txt")
    assert plain.title == "my notes"


def test_a_text_heading_directly_above_its_paragraph_is_a_heading() -> None:
    report = (
        b"Incident INC-2291: Payment API outage\n\nSummary\nThe API was down for 47 minutes.\n\n"
        b"Root cause\nAn expired certificate.\n\nNote: it was renewed.\n"
    )
    doc = load_bytes(report, "incident.txt")
    assert doc.title == "Incident INC-2291: Payment API outage"
    assert [s.heading for s in doc.sections][-2:] == ["Summary", "Root cause"]
    assert "Summary The API" not in doc.text and "Note: it was renewed." in doc.text
    wrapped = load_bytes(
        b"Intro\n\nThe port fee was raised to 12 percent in 2021\nafter a long review.\n", "w.txt"
    )
    assert "in 2021 after a long review." in wrapped.text


def test_a_hard_wrapped_text_without_blank_lines_keeps_its_sentences_whole() -> None:
    wrapped = (
        b"The harbour authority was founded in 1921 by a group of\n"
        b"merchants who wanted a deeper channel. It now handles about\n"
        b"4 million tonnes of cargo a year, most of it timber and\n"
        b"grain from the north.\n"
        b"Fees\n"
        b"Berths cost 40 pounds a day.\n"
        b"Pilots cost extra.\n"
    )
    doc = load_bytes(wrapped, "harbour.txt")
    assert "handles about 4 million tonnes of cargo a year, most of it timber and grain" in (
        doc.text)
    assert doc.title == "Fees" and [s.heading for s in doc.sections] == ["", "Fees"]
    assert [doc.text[a:b] for a, b in doc.sections[1].paragraphs] == [
        "Berths cost 40 pounds a day.", "Pilots cost extra."]
    report = (
        b"Annual report of the Harbour Authority for the year 2023\n"
        b"The harbour handled 4 million tonnes of cargo in that year and 12,400 in the\n"
        b"winter of 2022, and 18,300 in the one before, said the harbour master.\n"
        b"Berth fees are charged for every vessel over 20 metres long\n"
        b"Berth fees are charged again for a stay over three days\n"
        b"year,tonnes,vessels,berths,cranes,pilots,tugs,staff,fees\n"
        b"2023,4000000,1200,14,6,9,3,210,1900000 euros in the year\n"
    )
    titled = load_bytes(report, "annual.txt")
    assert titled.title == "Annual report of the Harbour Authority for the year 2023"
    assert "12,400 in the winter of 2022" in titled.text
    for joined in ("2023 The harbour", "metres long Berth", "three days year,", "fees 2023,"):
        assert joined not in titled.text
    listed = load_bytes(b"Apples\nPears\nPlums\n", "fruit.txt")
    assert [listed.text[a:b] for a, b in listed.sections[0].paragraphs] == [
        "Apples", "Pears", "Plums"]


def test_html_drops_scripts_and_uses_title() -> None:
    html = (
        b"<html><head><title>Report</title><script>alert(1)</script></head>"
        b"<body><h2>Part</h2><p>Hello <b>world</b>.</p></body></html>"
    )
    doc = load_bytes(html, "r.html")
    assert doc.title == "Report"
    assert "alert" not in doc.text
    assert "Hello world." in doc.text


def test_html_notes_name_what_was_dropped_as_the_page_shows_it() -> None:
    html = (
        b"<html><head><title>Safety</title><style>p{}</style></head><body>"
        b"<nav><a href='/'>Home</a></nav><h1>Safety record</h1><p>Three incidents.</p>"
        b"<div class='sidebar'>Buy tickets online.</div><p hidden>Draft figure.</p>"
        b"<script>track()</script><footer>Copyright 2024</footer></body></html>"
    )
    doc = load_bytes(html, "safety.html")
    assert doc.text.count("Three incidents.") == 1 and "tickets" not in doc.text
    assert doc.findings.dropped() == ["page furniture: footer, hidden elements, nav, sidebar"]


def test_docx_headings_and_paragraphs() -> None:
    import docx

    document = docx.Document()
    document.add_heading("Quarterly notes", level=1)
    document.add_paragraph("Revenue grew by 12 percent in the quarter.")
    buffer = io.BytesIO()
    document.save(buffer)
    doc = load_bytes(buffer.getvalue(), "q.docx")
    assert doc.title == "Quarterly notes"
    assert "12 percent" in doc.text


def test_a_pdf_of_blank_pages_has_no_text() -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(DocumentError, match="no text found"):
        load_bytes(buffer.getvalue(), "blank.pdf")


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (b"%PDF-1.4 garbage", "broken.pdf", "not a readable PDF"),
        (b"\x00\x01\x02binary", "bin.txt", "binary"),
        (b"   \n", "empty.md", "empty"),
        (b"PK\x03\x04 not really a zip", "fake.docx", "not a readable DOCX"),
        (b"menu\r\ncaf\xe9 au lait", "latin.txt",
         r"not valid UTF-8 \(byte 0xe9 at offset 9, line 2\); save it as UTF-8"),
        (b"data", "table.xlsx", "unsupported file type"),
    ],
)
def test_bad_files_raise_a_specific_reason(data: bytes, name: str, reason: str) -> None:
    with pytest.raises(DocumentError, match=reason):
        load_bytes(data, name)


def test_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("word " * 100)
    with pytest.raises(DocumentError, match="over the limit"):
        load_file(path, "big.txt", max_bytes=10, max_pdf_pages=10)
