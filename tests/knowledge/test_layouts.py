"""Documents as people have them: PDF layout, tables, any HTML element, Markdown code and front
matter, CJK. Built from the generators the loaders benchmark scores (benchmarks.documents)."""

import io

import pytest

from assistant.errors import DocumentError
from assistant.knowledge.chunking import chunk_document, document_sentences
from assistant.knowledge.loaders import load_bytes
from assistant.text import MAX_SENTENCE_CHARS
from benchmarks.documents import cjk_text, div_html, report_pdf, table_docx, two_column_pdf
from tests.conftest import damaged_pdf


def sentences_of(data: bytes, name: str) -> list[str]:
    doc = load_bytes(data, name)
    return [doc.text[a:b] for a, b in document_sentences(doc, MAX_SENTENCE_CHARS)]


def test_a_report_pdf_loses_its_furniture_and_keeps_sentences_across_pages() -> None:
    report = report_pdf()
    doc = load_bytes(report.data, report.name)
    sentences = sentences_of(report.data, report.name)
    assert [s for s in report.sentences if s not in sentences] == []
    assert "Acme Logistics" not in doc.text and "Page 1" not in doc.text
    assert doc.title == "Annual report"  # from the metadata
    assert [s.heading for s in doc.sections][:2] == ["Section 1 results", "Section 2 results"]
    assert doc.findings.pages > 1 and doc.findings.furniture_lines == 2 * doc.findings.pages


def test_two_columns_read_column_by_column() -> None:
    pdf = two_column_pdf()
    assert sentences_of(pdf.data, pdf.name) == pdf.sentences


def _pdf(lines: list[tuple[str, float, int]], title: str = "untitled") -> bytes:
    """One page per list item of (text, font size, height) lines; ReportLab's default title."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=(400, 400))
    page.setTitle(title)
    for text, size, height in lines:
        if text == "<page>":
            page.showPage()
            continue
        page.setFont("Helvetica", size)
        page.drawString(40, height, text)
    page.save()
    return buffer.getvalue()


def test_a_damaged_pdf_is_read_and_what_was_mended_is_noted() -> None:
    sentence = "Revenue reached 5 million euros."
    doc = load_bytes(damaged_pdf(sentence), "damaged.pdf")
    assert doc.text.endswith(sentence)
    assert any("startxref" in repair for repair in doc.findings.repairs)
    assert load_bytes(_pdf([(sentence, 10, 320)]), "intact.pdf").findings.repairs == []


def test_a_heading_is_a_section_name_not_glued_to_the_next_sentence() -> None:
    data = _pdf([("Financial results", 16, 350), ("Revenue reached 5 million euros.", 10, 320)])
    doc = load_bytes(data, "results.pdf")
    assert doc.title == "Financial results"
    assert [s.heading for s in doc.sections] == ["Financial results"]
    assert doc.text.endswith("\n\nRevenue reached 5 million euros.")


def test_a_page_number_never_ends_a_sentence_broken_by_a_page() -> None:
    data = _pdf([("Revenue for the third quarter grew to", 10, 300), ("1", 10, 20),
                 ("<page>", 0, 0), ("4.2 million euros, up 12 percent.", 10, 380),
                 ("2", 10, 20)])
    assert sentences_of(data, "q3.pdf") == [
        "Revenue for the third quarter grew to 4.2 million euros, up 12 percent."
    ]


def test_an_encrypted_pdf_with_a_real_password_is_refused_by_name() -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_pdf([("Secret text.", 10, 300)]))))
    writer.encrypt("hunter2", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(DocumentError, match="encrypted with a password"):
        load_bytes(buffer.getvalue(), "secret.pdf")


def test_a_word_table_becomes_rows_with_their_headers() -> None:
    plans = table_docx()
    doc = load_bytes(plans.data, plans.name)
    assert sentences_of(plans.data, plans.name) == plans.sentences
    assert doc.findings.found() == ["1 table(s), kept as 2 row sentence(s)"]


def test_html_keeps_every_visible_element_and_drops_the_furniture() -> None:
    page = div_html()
    doc = load_bytes(page.data, page.name)
    assert sentences_of(page.data, page.name) == page.sentences
    assert "Home" not in doc.text and "tracking" not in doc.text and "Copyright" not in doc.text
    assert doc.title == "Site services"


def test_html_header_cells_label_their_values() -> None:
    html = (b"<table><tr><th>Plan</th><th>Price</th></tr><tr><td>Team</td><td>29 euros</td>"
            b"</tr></table><table><tr><th>Saturday</th><td>10:00 to 14:00</td></tr></table>")
    assert load_bytes(html, "t.html").text == "Team — Price: 29 euros\n\nSaturday — 10:00 to 14:00"


def test_markdown_code_is_verbatim_and_one_sentence_with_its_introduction() -> None:
    source = b"# Runbook\n\nRestart the worker with:\n\n```\nsudo systemctl restart w\n  --now\n```"
    doc = load_bytes(source, "runbook.md")
    assert "sudo systemctl restart w\n  --now" in doc.text
    [chunk] = chunk_document(doc, 400, 900)
    assert [chunk.text[a:b] for a, b in chunk.sentences] == [
        "Restart the worker with:\n\nsudo systemctl restart w\n  --now"
    ]
    assert doc.findings.code_blocks == 1


def test_markdown_front_matter_is_the_title_not_text() -> None:
    doc = load_bytes(b"---\ntitle: VPN guide\ntags: [it]\n---\n\nRestart the laptop.\n", "v.md")
    assert doc.title == "VPN guide" and doc.text == "Restart the laptop."
    table = load_bytes(b"| Plan | Price |\n|---|---|\n| Team | 29 euros |\n", "t.md")
    assert table.text == "Team — Price: 29 euros"


def test_chinese_sentences_end_at_their_own_punctuation() -> None:
    leave = cjk_text()
    assert sentences_of(leave.data, leave.name) == leave.sentences


def test_ligatures_are_plain_letters() -> None:
    doc = load_bytes("Late ﬁlings are ﬂagged.".encode(), "f.txt")
    assert doc.text == "Late filings are flagged."


def test_rows_of_a_pdf_table_stay_body_text() -> None:
    data = _pdf([("Plan prices per month are these.", 10, 350), ("Team 29 euros", 10, 335),
                 ("Starter 9 euros", 10, 320), ("Enterprise 99 euros", 10, 305)])
    doc = load_bytes(data, "prices.pdf")
    assert [s.heading for s in doc.sections] == [""]
    assert "Team 29 euros" in doc.text
