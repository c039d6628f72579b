"""PDF -> blocks through pypdf, with the page layout a reader ignores taken out.

pypdf (BSD) was chosen over pypdfium2 and pdfplumber (see ``benchmarks/loaders.py``): the same
text on every measured document, and the only one of the three that refuses a decompression
bomb cleanly (PDFium aborts the whole process when an allocation fails; pdfminer inflates a
stream whole). pypdf reports each line with its position and font, from which this module
finds running headers and footers, page numbers, headings and paragraphs, and joins words
hyphenated at line ends and sentences broken by a page break. Tables come out as lines of text:
pypdf does not find tables.
"""

import io
import logging
import re
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from assistant.errors import DocumentError
from assistant.knowledge.blocks import Block, Budget, Findings
from assistant.text import sentence_spans

# Metadata titles that name no document: ReportLab's, Word's and LaTeX's defaults.
_PLACEHOLDER_TITLE = re.compile(r"^\(?(untitled|anonymous|unspecified|none|title)\)?$", re.I)
_PAGE_NUMBER = re.compile(
    r"^(?:page\s*)?[-–(]?\s*\d{1,4}\s*(?:(?:of|/)\s*\d{1,4})?\s*[-–)]?$", re.I
)
_ENDS_SENTENCE = re.compile(r"[.!?。！？:;\"”’)]$")


@dataclass
class Line:
    text: str = ""
    y: float = 0.0
    size: float = 0.0
    bold: bool = True
    page: int = 0
    heading: bool = False
    placed: bool = field(default=False, repr=False)


def _page_lines(page: Any, number: int) -> list[Line]:
    """The page's text lines in content order, each with its height, font size and weight."""
    lines: list[Line] = [Line(page=number)]

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        parts = text.split("\n")
        for index, part in enumerate(parts):
            line = lines[-1]
            if part.strip():
                if not line.placed:
                    line.y, line.placed = tm[4] * cm[1] + tm[5] * cm[3] + cm[5], True
                scale = abs(tm[3] * cm[3]) or 1.0
                line.size = max(line.size, round(float(size) * scale, 1))
                name = str((font or {}).get("/BaseFont", ""))
                line.bold = line.bold and ("Bold" in name or "Black" in name)
                line.text += part
            elif part:
                line.text += part
            if index < len(parts) - 1:
                lines.append(Line(page=number))

    page.extract_text(visitor_text=visit)
    return [line for line in lines if line.text.strip()]


def _open(data: bytes, source: str, max_pages: int) -> Any:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted and not reader.decrypt(""):
        raise DocumentError(
            f"{source}: the PDF is encrypted with a password; save an unprotected copy."
        )
    if len(reader.pages) > max_pages:
        raise DocumentError(
            f"{source}: {len(reader.pages)} pages, over the limit of {max_pages} "
            "(ASSISTANT_MAX_PDF_PAGES)."
        )
    return reader


def blocks_from_pdf(
    data: bytes, source: str, max_pages: int, budget: Budget, findings: Findings
) -> list[Block]:
    from pypdf.errors import PyPdfError

    try:
        with _parser_warnings(findings.repairs):
            reader = _open(data, source, max_pages)
            pages: list[list[Line]] = []
            for number, page in enumerate(reader.pages, start=1):
                lines = _page_lines(page, number)
                budget.add(" ".join(line.text for line in lines))
                pages.append(lines)
            title = _metadata_title(reader)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise DocumentError(f"{source}: not a readable PDF ({type(exc).__name__}: {exc}).") from exc
    findings.pages = len(pages)
    findings.pages_without_text = [n for n, lines in enumerate(pages, start=1) if not lines]
    if pages and len(findings.pages_without_text) == len(pages):
        raise DocumentError(
            f"{source}: no text found: none of its {len(pages)} page(s) has a text layer "
            "(scanned? Run OCR first, e.g. ocrmypdf)."
        )
    body = _drop_furniture(pages, findings)
    blocks = [Block("title", title)] if title else []
    return blocks + _title_line(_blocks(body))


class _Collect(logging.Handler):
    """pypdf's log records of one thread (one document), each message once."""

    def __init__(self, into: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.into, self.thread = into, threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().strip()
        if record.thread == self.thread and message and message not in self.into:
            self.into.append(message)


@contextmanager
def _parser_warnings(into: list[str]) -> Iterator[None]:
    """pypdf logs what it mends in a damaged file ("incorrect startxref pointer") and, with no
    logging set up, Python prints that to stderr without the file's name. Collected here, it
    goes into the ingest summary under the document it is about."""
    logger = logging.getLogger("pypdf")
    handler = _Collect(into)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


def _title_line(blocks: list[Block]) -> list[Block]:
    """A PDF that opens with a short phrase before its first sentence ("Laptop purchase
    terms. Delivery takes...") opens with its title: a heading, not a sentence to quote."""
    if not blocks or blocks[0].kind != "paragraph":
        return blocks
    text = blocks[0].text
    spans = sentence_spans(text)
    first = text[spans[0][0] : spans[0][1]] if spans else ""
    words = first.rstrip(".").split()
    if len(spans) < 2 or not 1 <= len(words) <= 4 or re.search(r"[\d!?:;,]", first):
        return blocks
    rest = Block("paragraph", text[spans[1][0] :])
    return [Block("heading", " ".join(words), 1), rest, *blocks[1:]]


def _metadata_title(reader: Any) -> str:
    title = str((reader.metadata or {}).get("/Title") or "").strip()
    title = re.sub(r"^Microsoft (Word|PowerPoint) - ", "", title)
    return "" if _PLACEHOLDER_TITLE.match(title) else title


def _furniture_key(line: Line) -> str:
    """The line's text with its own page's number masked: "Page 2 of 3" -> "page # of 3"."""
    return re.sub(rf"(?<!\d){line.page}(?!\d)", "#", " ".join(line.text.lower().split()))


def _drop_furniture(pages: list[list[Line]], findings: Findings) -> list[Line]:
    """Body lines of all pages in order: running headers and footers (a line at a page's top or
    bottom that recurs on other pages, page number aside) and page numbers taken out."""
    edges: list[set[int]] = []
    counts: Counter[str] = Counter()
    for lines in pages:
        heights = sorted({round(line.y) for line in lines})
        band = set(heights[:2] + heights[-2:])
        edge = {i for i, line in enumerate(lines) if round(line.y) in band}
        edges.append(edge)
        counts.update({_furniture_key(lines[i]) for i in edge})
    recurring = max(2, (len(pages) + 1) // 2)
    body: list[Line] = []
    for lines, edge in zip(pages, edges, strict=True):
        for i, line in enumerate(lines):
            number = _PAGE_NUMBER.match(line.text.strip())
            if i in edge and (number or counts[_furniture_key(line)] >= recurring):
                findings.furniture_lines += 1
            else:
                body.append(line)
    return body


def _blocks(lines: list[Line]) -> list[Block]:
    """Headings and paragraphs: a heading is a short line set in a larger or bold font, or a
    short unpunctuated line followed by a capitalised one; a paragraph ends at a heading, a
    wider gap than its line spacing, or a sentence end before a page's last line."""
    sizes: Counter[float] = Counter()
    for line in lines:
        sizes[line.size] += len(line.text)
    body_size = sizes.most_common(1)[0][0] if sizes else 0.0
    widest = max((len(line.text.strip()) for line in lines), default=0)
    for i, line in enumerate(lines):
        line.heading = _is_heading(line, lines[i + 1] if i + 1 < len(lines) else None,
                                   body_size, widest)
    blocks: list[Block] = []
    paragraph: list[Line] = []
    for line in lines:
        if line.heading or (paragraph and _breaks(paragraph[-1], line)):
            if paragraph:
                blocks.append(Block("paragraph", _join(paragraph)))
            paragraph = []
        if line.heading:
            blocks.append(Block("heading", line.text.strip(), 2))
        else:
            paragraph.append(line)
    if paragraph:
        blocks.append(Block("paragraph", _join(paragraph)))
    return blocks


def _is_heading(line: Line, following: Line | None, body_size: float, widest: int) -> bool:
    text = line.text.strip()
    if len(text.split()) > 12 or _ENDS_SENTENCE.search(text) or not re.search(r"[^\W\d]", text):
        return False
    if line.size >= body_size * 1.15 or (line.bold and line.size >= body_size):
        return True
    # In the body font, only a short line without digits, followed by a capitalised line that
    # is itself a sentence or a paragraph's full-width line (a run of short lines is a list or
    # a table's rows, not headings).
    if following is None or re.search(r"\d", text) or len(text) >= 0.6 * widest:
        return False
    after = following.text.strip()
    return after[:1].isupper() and (
        bool(_ENDS_SENTENCE.search(after)) or len(after) >= 0.6 * widest
    )


def _breaks(previous: Line, line: Line) -> bool:
    if previous.page != line.page or line.y > previous.y:  # next page, or next column
        return bool(_ENDS_SENTENCE.search(previous.text.strip()))
    return previous.y - line.y > 1.6 * max(previous.size, line.size, 1.0)


def _join(lines: list[Line]) -> str:
    """Lines of one paragraph as one string; "reimburse-" + "ment" -> "reimbursement"."""
    text = ""
    for line in lines:
        part = line.text.strip()
        if re.search(r"[^\W\d_]-$", text) and part[:1].islower():
            text = text[:-1] + part
        else:
            text = f"{text} {part}" if text else part
    return text
