"""File -> plain text with structure. One loader per file type, each built on a parser library:
text and Markdown here, HTML in ``html``, DOCX in ``word``, PDF in ``pdf``.

Every loader returns blocks (see ``blocks``), spends the document's budget as it parses and
notes what it found and dropped; ``load_bytes`` assembles the blocks into a LoadedDocument.
"""

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.errors import DocumentError
from assistant.knowledge.blocks import (
    Block,
    Budget,
    Findings,
    LoadedDocument,
    Section,
    assemble,
)
from assistant.knowledge.html import blocks_from_html
from assistant.knowledge.lexical import english_stopwords
from assistant.knowledge.pdf import blocks_from_pdf
from assistant.knowledge.tables import Cell, table_blocks
from assistant.knowledge.word import MAX_DOCX_EXPANDED_BYTES, blocks_from_docx

__all__ = [
    "MAX_DOCX_EXPANDED_BYTES",
    "SUPPORTED_SUFFIXES",
    "Block",
    "Budget",
    "LoadedDocument",
    "Section",
    "load_bytes",
    "load_file",
]

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx")
Loader = Callable[[bytes, str, Budget, Findings], list[Block]]


def _decode(data: bytes, source: str) -> str:
    if b"\x00" in data[:8192]:
        raise DocumentError(f"{source}: looks like a binary file, not text.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DocumentError(
            f"{source}: not valid UTF-8 (byte {data[exc.start]:#04x} at offset {exc.start}, "
            f"line {line}); save it as UTF-8 and ingest it again."
        ) from exc


# A heading line: short, no sentence or clause punctuation (Latin or CJK) in it; a colon only
# inside a title ("Incident INC-2291: Payment API outage"), not before lower-case words or at
# the end (which introduce what follows).
_TXT_HEADING = re.compile(r"^(?!.*:\s*[a-z])[^.!?;,。！？：；，、]{3,100}(?<!:)$")


def _is_heading(line: str) -> bool:
    return bool(_TXT_HEADING.match(line)) and len(line.split()) <= 12


def _heads(line: str, following: str) -> bool:
    """A heading above the line after it, not the first line of a hard-wrapped sentence: it
    is much shorter than that line, which starts as a sentence does."""
    return (
        _is_heading(line)
        and len(line) <= 0.6 * len(following)
        and (following[:1].isupper() or following[:1].isdigit())
    )


_SENTENCE_END = (".", "!", "?", ":", ";", '"', "”", "’", ")", "。", "！", "？")


# A line of a table or a list of records: a tab, a pipe, or two commas with no space after
# that are not a figure's thousands ("18,400").
_FIELD_COMMA = r",(?!\d{3}(?!\d))\S"
_RECORD = re.compile(rf"\t|\||{_FIELD_COMMA}.*{_FIELD_COMMA}")


def _wrapped(line: str, following: str, width: int) -> bool:
    """A line the text was hard-wrapped at, so the next one goes on with it: it fills most of
    the widest line, stops mid-sentence, is no heading or record, and the next line starts in
    lower case or with a figure, or this one ends on a word no sentence ends on ("of", "the")."""
    if width < 40 or len(line) < 0.6 * width or line.endswith(_SENTENCE_END):
        return False
    if _RECORD.search(line) or _RECORD.search(following) or _heads(line, following):
        return False
    last = line.rsplit(" ", 1)[-1].lower()
    return following[:1].islower() or following[:1].isdigit() or last in english_stopwords()


def _line_runs(text: str) -> list[str]:
    """Paragraphs of a text without blank lines: one per line, except that the lines of a
    hard-wrapped sentence stay together."""
    lines = [" ".join(line.split()) for line in text.split("\n") if line.strip()]
    width = max((len(line) for line in lines), default=0)
    runs: list[list[str]] = []
    for line in lines:
        if runs and _wrapped(runs[-1][-1], line, width):
            runs[-1].append(line)
        else:
            runs.append([line])
    return ["\n".join(run) for run in runs]


def blocks_from_txt(data: bytes, source: str, budget: Budget, findings: Findings) -> list[Block]:
    """Paragraphs are blank-line-separated runs or, without blank lines, lines (the lines of a
    hard-wrapped sentence kept together); a short unpunctuated line is a heading, also as the
    first line of a run ("Summary" above its paragraph)."""
    text = _decode(data, source).replace("\r\n", "\n").replace("\r", "\n")
    runs = re.split(r"\n\s*\n", text) if re.search(r"\n\s*\n", text) else _line_runs(text)
    blocks = []
    for run in runs:
        lines = [" ".join(line.split()) for line in run.split("\n") if line.strip()]
        while len(lines) > 1 and _heads(lines[0], lines[1]):
            budget.add(lines[0])
            blocks.append(Block("heading", lines.pop(0)))
        paragraph = " ".join(lines)
        if not paragraph:
            continue
        budget.add(paragraph)
        blocks.append(Block("heading" if _is_heading(paragraph) else "paragraph", paragraph))
    return blocks


_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.{0,65536}?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)",
                           re.S)


def front_matter(text: str) -> tuple[dict[str, Any] | None, str]:
    """YAML front matter (a mapping between ``---`` lines at the top) and the text after it."""
    import yaml

    match = _FRONT_MATTER.match(text)
    if not match:
        return None, text
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return None, text
    return (meta, text[match.end() :]) if isinstance(meta, dict) else (None, text)


def _inline_text(token: Any) -> str:
    return "".join(
        " " if c.type in ("softbreak", "hardbreak") else c.content
        for c in token.children or []
        if c.type in ("text", "code_inline", "softbreak", "hardbreak")
    )


def blocks_from_markdown(
    data: bytes, source: str, budget: Budget, findings: Findings
) -> list[Block]:
    """CommonMark with tables: headings, paragraphs, list items; fenced and indented code kept
    verbatim; front matter read as metadata (its ``title`` is the document's title)."""
    from markdown_it import MarkdownIt

    meta, text = front_matter(_decode(data, source))
    budget.expect(len(text))
    blocks: list[Block] = []
    if meta is not None:
        findings.front_matter = True
        title = meta.get("title")
        if isinstance(title, str | int | float) and str(title).strip():
            blocks.append(Block("title", str(title)))
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    rows: list[list[Cell]] = []
    for i, token in enumerate(tokens):
        if token.type in ("fence", "code_block"):
            blocks.append(Block("code", token.content))
            findings.code_blocks += 1
        elif token.type == "tr_open":
            rows.append([])
        elif token.type == "inline" and tokens[i - 1].type in ("th_open", "td_open"):
            rows[-1].append(Cell(_inline_text(token), tokens[i - 1].type == "th_open"))
        elif token.type == "table_close":
            blocks += table_blocks(rows, findings, first_row_header=False)
            rows = []
        elif token.type == "inline":
            opener = tokens[i - 1]
            kind = "heading" if opener.type == "heading_open" else "paragraph"
            level = int(opener.tag[1]) if kind == "heading" else 0
            blocks.append(Block(kind, _inline_text(token), level))
    for block in blocks:
        budget.add(block.text)
    return blocks


def _html(data: bytes, source: str, budget: Budget, findings: Findings) -> list[Block]:
    return blocks_from_html(_decode(data, source), source, budget, findings)


def _loader(suffix: str, max_pdf_pages: int) -> Loader:
    loaders: dict[str, Loader] = {
        ".txt": blocks_from_txt,
        ".md": blocks_from_markdown,
        ".markdown": blocks_from_markdown,
        ".html": _html,
        ".htm": _html,
        ".pdf": lambda data, source, budget, findings: blocks_from_pdf(
            data, source, max_pdf_pages, budget, findings
        ),
        ".docx": blocks_from_docx,
    }
    if suffix not in loaders:
        allowed = ", ".join(SUPPORTED_SUFFIXES)
        raise DocumentError(f"unsupported file type '{suffix or '(none)'}'; allowed: {allowed}.")
    return loaders[suffix]


def load_bytes(
    data: bytes, source: str, max_pdf_pages: int = 2000, budget: Budget | None = None
) -> LoadedDocument:
    """Parse one document's bytes; ``source`` is its name relative to the knowledge dir.

    Raises DocumentError (naming ``source`` and the cause) for a file that cannot be read,
    holds no text, or costs more than ``budget`` allows (default limits of ``Budget``)."""
    if not data.strip():
        raise DocumentError(f"{source}: the file is empty.")
    suffix = Path(source).suffix.lower()
    findings = Findings()
    blocks = _loader(suffix, max_pdf_pages)(data, source, budget or Budget(source), findings)
    fallback = Path(source).stem.replace("-", " ").replace("_", " ").strip() or source
    return assemble(source, blocks, fallback, hashlib.sha256(data).hexdigest(), findings)


def load_file(
    path: Path, source: str, max_bytes: int, max_pdf_pages: int, budget: Budget | None = None
) -> LoadedDocument:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise DocumentError(
                f"{source}: {size:,} bytes, over the limit of {max_bytes:,} "
                "(ASSISTANT_MAX_FILE_BYTES)."
            )
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"{source}: cannot be read ({exc.strerror}).") from exc
    return load_bytes(data, source, max_pdf_pages, budget)
