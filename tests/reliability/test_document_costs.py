"""Small files that expand into hours of work: a document's characters and sentences are
counted while it is parsed (the DOCX XML streamed, a PDF page by page) and the file is skipped
with its reason once a limit is passed; no stored sentence, so no quote, is longer than
MAX_SENTENCE_CHARS, whatever the document."""

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from assistant.answer.core import ask
from assistant.errors import DocumentError
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.blocks import Budget
from assistant.knowledge.ingest import sync
from assistant.knowledge.loaders import load_bytes
from assistant.text import MAX_SENTENCE_CHARS
from tests.reliability.conftest import assert_facts_still_answered
from tests.reliability.files import docx, pdf


def docx_of_tiny_paragraphs(megabytes: int) -> bytes:
    """A DOCX whose document.xml holds ``megabytes`` MB of one-word paragraphs (compressed as
    it is built: the file is a few hundred KB)."""
    source = zipfile.ZipFile(io.BytesIO(docx()))
    out = io.BytesIO()
    paragraph = b"<w:p><w:r><w:t>Word.</w:t></w:r></w:p>"
    block = paragraph * ((1 << 20) // len(paragraph))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info)
            if info.filename != "word/document.xml":
                archive.writestr(info, data)
                continue
            head, tail = data.split(b"<w:body>")
            with archive.open(info.filename, "w", force_zip64=True) as part:
                part.write(head + b"<w:body>")
                for _ in range(megabytes):
                    part.write(block)
                part.write(tail)
    return out.getvalue()


def pdf_of_shared_pages(count: int, lines: int = 60) -> bytes:
    """``count`` pages that all draw one content stream of ``lines`` sentences."""
    text = b"".join(
        b"BT /F1 10 Tf 20 %d Td (Sentence number %d is here.) Tj ET\n" % (800 - 12 * i, i)
        for i in range(lines)
    )
    kids = b" ".join(b"3 0 R" for _ in range(count))
    return pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % count,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 600 820] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ])


DOCX_LOADER = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from assistant.errors import DocumentError
from assistant.knowledge.loaders import load_bytes
try:
    load_bytes(open(sys.argv[1], "rb").read(), "tiny.docx")
except DocumentError as exc:
    print("refused:", exc)
"""


def test_a_docx_of_millions_of_tiny_paragraphs_is_refused_while_streaming(
    tmp_path: Path,
) -> None:
    """150 MB of XML in a small file: refused at the sentence limit under a 1 GB address
    space (reading the whole part into one tree, as python-docx does, needs several GB)."""
    path = tmp_path / "tiny.docx"
    path.write_bytes(docx_of_tiny_paragraphs(150))
    assert path.stat().st_size < 1_000_000
    result = subprocess.run(
        [sys.executable, "-c", DOCX_LOADER, str(path)], capture_output=True, text=True,
        timeout=300, cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "more than 50,000 sentences" in result.stdout


def test_a_pdf_of_pages_sharing_one_stream_is_refused_page_by_page() -> None:
    data = pdf_of_shared_pages(1999)
    assert len(data) < 100_000
    budget = Budget("pages.pdf", max_sentences=3_000)
    with pytest.raises(DocumentError, match="more than 3,000 sentences"):
        load_bytes(data, "pages.pdf", budget=budget)
    assert budget.sentences <= 3_000 + 60  # counted page by page: one page past the limit


def test_a_text_of_one_repeated_word_is_skipped_or_cut_into_short_sentences(
    kb: KnowledgeBase,
) -> None:
    folder = kb.settings.knowledge_dir
    (folder / "huge.txt").write_bytes(b"tariff " * 2_800_000)  # 19.6 MB, one "sentence"
    (folder / "long.txt").write_bytes(b"quota " * 200_000)  # 1.2 MB, one "sentence"
    report = sync(kb)
    [skipped] = report.skipped
    assert skipped.path == "huge.txt" and "characters of text" in skipped.reason
    assert "long.txt" in report.added
    rows = [r for r in kb.store.active_chunks(kb.manifest()) if r["metadata"]["source"] ==
            "long.txt"]
    spans = [span for row in rows for span in json.loads(row["metadata"]["sentences"])]
    assert len(spans) > 2000 and max(end - start for start, end in spans) <= MAX_SENTENCE_CHARS
    answer = ask("quota quota quota", knowledge=kb)
    assert all(len(c.quote) <= kb.settings.max_answer_chars for c in answer.citations)
    assert_facts_still_answered(kb)
