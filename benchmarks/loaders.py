"""Loaders benchmark: per library, characters recovered and sentences correctly split.

``python -m benchmarks.loaders [--out benchmarks/results]`` runs every extractor on the
regression PDFs (tests/regressions/data) and on generated documents (``benchmarks.documents``):
a two-column PDF, a multi-page report with running header and footer, a Word table, a page of
``<div>``s and Chinese text. Each extractor's text goes through the same sentence splitter.

- characters recovered: the share of the expected sentences' characters whose words come out
  (a bag of words, so order and spacing do not count here);
- sentences split right: expected sentences that come out as exactly one sentence, whole;
- furniture leaked: running headers, footers and page numbers left in the text.

PDF libraries are compared on their plain text (the row "shipped" is the assistant's loader:
pypdf plus the layout step in ``assistant.knowledge.pdf``); HTML extractors on what each keeps
of the page. Extractors that are not installed are skipped and named in the report.
"""

import argparse
import io
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.knowledge.chunking import document_sentences
from assistant.knowledge.loaders import load_bytes
from assistant.text import MAX_SENTENCE_CHARS, clean_text, sentence_spans
from benchmarks.documents import Generated, generated_documents

ROOT = Path(__file__).resolve().parent.parent
REGRESSIONS = ROOT / "tests" / "regressions" / "data"
# The regression documents and the sentences a reader sees in them (and furniture they must not).
REGRESSION_DOCUMENTS: dict[str, tuple[list[str], list[str]]] = {
    "01-min/knowledge/filings.pdf": (["Late filings are flagged to the board."], []),
    "02-min/knowledge/remote.pdf": (
        ["Employees may claim reimbursement for office equipment."], []),
    "11-min/knowledge/q3.pdf": (
        ["Revenue for the third quarter grew to 4.2 million euros, up 12 percent on the year."],
        []),
    "12-min/knowledge/handbook.pdf": (
        ["Employees may work remotely up to three days a week.",
         "The annual performance review takes place in November."],
        ["Employee Handbook 2019", "Page 1 of 2"]),
    "19-full/knowledge/warranty.pdf": (
        ["The warranty on all laptops lasts 36 months from the date of delivery."], []),
    "20-mixed/knowledge/terms.pdf": (["Delivery takes five working days."], []),
    "04-full/knowledge/plans.docx": (
        ["All plans are billed monthly and can be cancelled at any time.",
         "Team — Monthly price: 29 euros; Storage: 1 TB"], []),
    "05-min/knowledge/desk.html": (
        ["Visitors find the service desk on the second floor of Building C."], []),
    "05-min2/knowledge/hours.html": (
        ["The service desk opening hours are listed below.", "Saturday — 10:00 to 14:00"], []),
    "08-min3/knowledge/leave.md": (["年假为十五天。", "婚假为十天。", "产假为一百五十八天。"], []),
}
Extractor = Callable[[bytes], str]


def pypdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        reader.decrypt("")
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def pdfium_text(data: bytes) -> str:
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    pages = [document[i].get_textpage().get_text_range() for i in range(len(document))]
    return "\n".join(pages).replace("\r\n", "\n").replace("\ufffe", "-")


def pdfplumber_text(data: bytes) -> str:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def trafilatura_text(data: bytes) -> str:
    import trafilatura

    return trafilatura.extract(data.decode(), include_tables=True, favor_recall=True) or ""


def readability_text(data: bytes) -> str:
    from bs4 import BeautifulSoup
    from readability import Document

    return BeautifulSoup(Document(data.decode()).summary(), "html.parser").get_text("\n")


def soup_text(data: bytes) -> str:
    """BeautifulSoup's visible text of the whole page, one line per string."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "html.parser")
    for tag in soup(["script", "style", "head"]):
        tag.decompose()
    return soup.get_text("\n")


def python_docx_text(data: bytes) -> str:
    """python-docx's body paragraphs (what the loader read before tables were kept)."""
    import docx

    return "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)


def utf8_text(data: bytes) -> str:
    return data.decode()


PDF: dict[str, Extractor] = {
    "pypdf": pypdf_text, "pypdfium2": pdfium_text, "pdfplumber": pdfplumber_text
}
HTML: dict[str, Extractor] = {"BeautifulSoup get_text": soup_text, "trafilatura": trafilatura_text,
        "readability-lxml": readability_text}
DOCX: dict[str, Extractor] = {"python-docx paragraphs": python_docx_text}
TEXT: dict[str, Extractor] = {"utf-8 decode": utf8_text}


def plain_sentences(text: str) -> list[str]:
    """Lines joined into paragraphs (blank line = break), then the shared sentence splitter."""
    paragraphs = [" ".join(part.split()) for part in re.split(r"\n\s*\n", clean_text(text))]
    return [p[a:b] for p in paragraphs for a, b in sentence_spans(p, MAX_SENTENCE_CHARS)]


def shipped_sentences(data: bytes, name: str) -> list[str]:
    doc = load_bytes(data, name)
    return [doc.text[a:b] for a, b in document_sentences(doc, MAX_SENTENCE_CHARS)]


@dataclass
class Score:
    characters: float
    sentences: int
    expected: int
    leaked: int
    ms: float
    error: str = ""


def score(sentences: list[str], doc: Generated, ms: float) -> Score:
    words = Counter(w for s in sentences for w in _words(s))
    found = total = 0
    for sentence in doc.sentences:
        for word in _words(sentence):
            total += len(word)
            if words[word] > 0:
                words[word] -= 1
                found += len(word)
    normal = {" ".join(s.split()) for s in sentences}
    right = sum(" ".join(s.split()) in normal for s in doc.sentences)
    text = " ".join(sentences)
    leaked = sum(text.count(f) for f in doc.furniture)
    return Score(round(found / max(total, 1), 3), right, len(doc.sentences), leaked, round(ms, 1))


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]", text) if re.search(r"[\u4e00-\u9fff]", text) else re.findall(
        r"[^\W_]+", text.lower())


def measure(doc: Generated, extract: Callable[[], list[str]]) -> Score:
    """Score one extractor run; its exception is the row's error, not a crash."""
    started = time.perf_counter()
    try:
        sentences = extract()
    except Exception as exc:
        return Score(0.0, 0, len(doc.sentences), 0, 0.0, f"{type(exc).__name__}: {exc}"[:120])
    return score(sentences, doc, (time.perf_counter() - started) * 1000)


def regression_documents() -> list[Generated]:
    return [
        Generated(path, (REGRESSIONS / path).read_bytes(), sentences, furniture)
        for path, (sentences, furniture) in REGRESSION_DOCUMENTS.items()
    ]


def extractors_for(name: str) -> dict[str, Extractor]:
    suffix = Path(name).suffix
    return {".pdf": PDF, ".html": HTML, ".docx": DOCX, ".txt": TEXT, ".md": TEXT}[suffix]


def _plain(extract: Extractor, doc: Generated) -> Callable[[], list[str]]:
    return lambda: plain_sentences(extract(doc.data))


def _shipped(doc: Generated) -> Callable[[], list[str]]:
    return lambda: shipped_sentences(doc.data, Path(doc.name).name)


_SUFFIX = {
    **{extract: ".pdf" for extract in PDF.values()},
    **{extract: ".html" for extract in HTML.values()},
    **{extract: ".docx" for extract in DOCX.values()},
}


def run() -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    missing: set[str] = set()
    documents = regression_documents() + generated_documents()
    for extract in [*PDF.values(), *HTML.values(), *DOCX.values()]:  # imports out of the timings
        sample = next(d for d in documents if Path(d.name).suffix in _SUFFIX[extract])
        measure(sample, _plain(extract, sample))
    for doc in documents:
        for library, extract in extractors_for(doc.name).items():
            result = measure(doc, _plain(extract, doc))
            if result.error.startswith("ModuleNotFoundError"):
                missing.add(library)
                continue
            rows.append({"document": doc.name, "library": library, **result.__dict__})
        shipped = measure(doc, _shipped(doc))
        rows.append({"document": doc.name, "library": "shipped loader", **shipped.__dict__})
    return {"rows": rows, "not_installed": sorted(missing), "bomb": bomb_results(),
            "versions": _versions(), "load_average": [round(x, 2) for x in os.getloadavg()]}


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for package in ("pypdf", "pypdfium2", "pdfplumber", "python-docx", "beautifulsoup4",
                    "trafilatura", "readability-lxml", "lxml", "markdown-it-py"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            continue
    return found


BOMB = """
import io, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from tests.reliability.files import pdf_bomb
from benchmarks.loaders import PDF
try:
    PDF[sys.argv[1]](pdf_bomb())
    print("parsed")
except Exception as exc:
    print("refused:", type(exc).__name__)
"""


def bomb_results() -> dict[str, str]:
    """Each PDF library on a 20 KB file whose one stream inflates to 512 MB, in a child process
    limited to 1 GB of address space: refused with an exception, parsed, or the process died."""
    results = {}
    for library in PDF:
        child = subprocess.run([sys.executable, "-c", BOMB, library], cwd=ROOT,
                               capture_output=True, text=True, timeout=600)
        out = child.stdout.strip().splitlines()
        results[library] = out[-1] if out else f"process died (exit {child.returncode})"
    return results


def report(results: dict[str, Any]) -> str:
    lines = ["| document | library | characters recovered | sentences split right | "
             "furniture leaked | ms |", "|---|---|---|---|---|---|"]
    for row in results["rows"]:
        note = f" ({row['error']})" if row["error"] else ""
        lines.append(
            f"| {row['document']} | {row['library']} | {row['characters']:.0%} | "
            f"{row['sentences']}/{row['expected']}{note} | {row['leaked']} | {row['ms']} |"
        )
    totals = Counter[str]()
    expected = Counter[str]()
    for row in results["rows"]:
        totals[row["library"]] += row["sentences"]
        expected[row["library"]] += row["expected"]
    lines += ["", "| library | sentences split right, all its documents |", "|---|---|"]
    lines += [f"| {lib} | {totals[lib]}/{expected[lib]} |" for lib in totals]
    lines += ["", "PDF bomb (512 MB stream, 1 GB address space): " + "; ".join(
        f"{lib}: {outcome}" for lib, outcome in results["bomb"].items())]
    lines.append("Versions: " + ", ".join(f"{k} {v}" for k, v in results["versions"].items())
                 + f"; load average {results['load_average']} (a shared 2-core machine: the "
                 "milliseconds are rough).")
    lines.append("trafilatura and readability-lxml are not dependencies of the project: "
                 "install them beside it to measure their rows.")
    if results["not_installed"]:
        lines.append("Not installed here (skipped): " + ", ".join(results["not_installed"]))
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    results = run()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "loaders.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    text = report(results)
    (args.out / "LOADERS.md").write_text("# Loaders benchmark\n\n" + text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
