"""Generated documents with known contents, for the loaders benchmark and the loader tests.

Each generator returns a ``Generated``: the file's name and bytes, the sentences a reader sees
in its body (each must come out as one sentence, whole), and the page furniture (running
headers, footers, page numbers) that must not come out as body text. PDFs are drawn with
ReportLab (BSD), Word files with python-docx.
"""

import io
from dataclasses import dataclass

TOPICS = [
    ("The northern warehouse", "ships pallets on Tuesdays and Fridays"),
    ("The support team", "answers tickets within four working hours"),
    ("The finance office", "closes the books on the third working day"),
    ("The design studio", "reviews every mock-up with two customers"),
    ("The legal department", "keeps signed contracts for ten years"),
    ("The training centre", "runs onboarding sessions every second Monday"),
    ("The security desk", "issues visitor badges at the main entrance"),
    ("The data team", "refreshes the sales dashboard every night at two"),
]


@dataclass(frozen=True)
class Generated:
    name: str
    data: bytes
    sentences: list[str]
    furniture: list[str]


def body_sentences(count: int, seed: int = 0) -> list[str]:
    """``count`` distinct plain sentences (about 90 characters each)."""
    out = []
    for number in range(count):
        subject, verb = TOPICS[(number + seed) % len(TOPICS)]
        out.append(f"{subject} {verb}, according to note {number + 1 + 100 * seed} of the plan.")
    return out


def two_column_pdf(paragraphs: int = 6) -> Generated:
    """One page of two text columns, each paragraph three sentences, flowing left then right."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph

    sentences = body_sentences(paragraphs * 3)
    buffer = io.BytesIO()
    doc = BaseDocTemplate(buffer, pagesize=A4, title="Operations overview")
    width, height = A4
    column = (width - 3 * 40) / 2
    frames = [Frame(40 + i * (column + 40), 60, column, height - 120) for i in range(2)]
    doc.addPageTemplates([PageTemplate(frames=frames)])
    style = getSampleStyleSheet()["BodyText"]
    story = [
        Paragraph(" ".join(sentences[i : i + 3]), style) for i in range(0, len(sentences), 3)
    ]
    doc.build(story)
    return Generated("two-column.pdf", buffer.getvalue(), sentences, [])


def report_pdf(pages: int = 3, per_page: int = 9) -> Generated:
    """A multi-page report with a running header, a "Page n" footer, section headings
    and paragraphs that flow across page breaks."""
    from reportlab.lib.pagesizes import A5
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    header = "Acme Logistics - Annual Report 2023"
    sentences = body_sentences(pages * per_page, seed=1)

    def furniture(canvas: object, doc: object) -> None:
        number = canvas.getPageNumber()  # type: ignore[attr-defined]
        canvas.setFont("Helvetica", 8)  # type: ignore[attr-defined]
        canvas.drawString(40, A5[1] - 30, header)  # type: ignore[attr-defined]
        canvas.drawString(40, 25, f"Page {number}")  # type: ignore[attr-defined]

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A5, title="Annual report", topMargin=50, bottomMargin=50
    )
    styles = getSampleStyleSheet()
    story = []
    for start in range(0, len(sentences), 6):
        story.append(Paragraph(f"Section {start // 6 + 1} results", styles["Heading2"]))
        story.append(Paragraph(" ".join(sentences[start : start + 6]), styles["BodyText"]))
    doc.build(story, onFirstPage=furniture, onLaterPages=furniture)
    return Generated("report.pdf", buffer.getvalue(), sentences, [header, "Page 1"])


def table_docx() -> Generated:
    """A Word document: a sentence, then a price table with a header row."""
    import docx

    document = docx.Document()
    document.add_heading("Subscription plans", level=1)
    document.add_paragraph("All plans are billed monthly and can be cancelled at any time.")
    rows = [("Starter", "9 euros", "100 GB"), ("Team", "29 euros", "1 TB")]
    table = document.add_table(rows=1, cols=3)
    for cell, text in zip(table.rows[0].cells, ("Plan", "Price per month", "Storage"), strict=True):
        cell.text = text
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    buffer = io.BytesIO()
    document.save(buffer)
    sentences = [
        "All plans are billed monthly and can be cancelled at any time.",
        "Starter — Price per month: 9 euros; Storage: 100 GB",
        "Team — Price per month: 29 euros; Storage: 1 TB",
    ]
    return Generated("plans.docx", buffer.getvalue(), sentences, [])


def div_html() -> Generated:
    """A page built of <div>s only, with navigation, a script and a footer around them."""
    sentences = body_sentences(4, seed=2)
    divs = "".join(f"<div class='text'>{s}</div>" for s in sentences)
    page = (
        "<html><head><title>Site services</title><script>var tracking = 1;</script></head>"
        "<body><div class='nav'><a href='/'>Home</a> | <a href='/about'>About us</a></div>"
        f"<div id='main'><div><h1>Site services</h1>{divs}</div></div>"
        "<footer>Copyright 2024 Example Ltd. All rights reserved.</footer></body></html>"
    )
    return Generated("services.html", page.encode(), sentences, ["tracking", "Copyright 2024"])


def cjk_text() -> Generated:
    """Chinese plain text: sentences end at 。！？ with no space after them."""
    sentences = [
        "年假为十五天。",
        "婚假为十天，须在登记结婚后一年内休完。",
        "产假为一百五十八天。",
        "病假需要提供医院证明！",
        "加班可以调休吗？",
    ]
    return Generated("leave.txt", "".join(sentences).encode(), sentences, [])


def generated_documents() -> list[Generated]:
    return [two_column_pdf(), report_pdf(), table_docx(), div_html(), cjk_text()]
