"""File -> plain text with structure. One function per file type, each built on a parser library.

Every loader returns blocks (headings and paragraphs); ``assemble`` joins them into the
document's normalised text, the text that chunk and quote offsets point into.
"""

import hashlib
import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.errors import DocumentError

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\u00a0]+")
# A DOCX is a zip: its parts may expand far beyond the file's size (a "zip bomb").
MAX_DOCX_EXPANDED_BYTES = 200_000_000


@dataclass(frozen=True)
class Block:
    kind: str  # "heading" or "paragraph"
    text: str
    level: int = 0


@dataclass
class Section:
    heading: str
    paragraphs: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class LoadedDocument:
    source: str
    title: str
    text: str
    sections: list[Section]
    content_hash: str


def clean_text(text: str) -> str:
    """NFC, no control characters, single spaces; what offsets are counted in."""
    text = unicodedata.normalize("NFC", text)
    return _SPACES.sub(" ", _CONTROL.sub("", text)).strip()


def assemble(source: str, blocks: list[Block], fallback_title: str, digest: str) -> LoadedDocument:
    """Join blocks with blank lines and record where each paragraph sits under which heading."""
    parts: list[str] = []
    offset = 0
    title = ""
    sections = [Section(heading="")]
    for block in blocks:
        text = clean_text(block.text)
        if not text:
            continue
        if parts:
            offset += 2
        parts.append(text)
        if block.kind == "heading":
            title = title or text
            sections.append(Section(heading=text))
        else:
            sections[-1].paragraphs.append((offset, offset + len(text)))
        offset += len(text)
    if not any(s.paragraphs for s in sections):
        raise DocumentError(f"{source}: no text found (empty, or only images).")
    body = [s for s in sections if s.paragraphs]
    return LoadedDocument(source, title or fallback_title, "\n\n".join(parts), body, digest)


def _decode(data: bytes, source: str) -> str:
    if b"\x00" in data[:8192]:
        raise DocumentError(f"{source}: looks like a binary file, not text.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            f"{source}: not valid UTF-8 (byte {data[exc.start]:#04x} at offset {exc.start})."
        ) from exc


_TXT_HEADING = re.compile(r"^[^.!?:;,]{3,100}$")


def blocks_from_txt(data: bytes, source: str) -> list[Block]:
    """Paragraphs are lines or blank-line-separated runs; a short unpunctuated line is a heading."""
    text = _decode(data, source).replace("\r\n", "\n").replace("\r", "\n")
    runs = re.split(r"\n\s*\n", text) if re.search(r"\n\s*\n", text) else text.split("\n")
    paragraphs = [" ".join(run.split()) for run in runs if run.strip()]
    return [
        Block("heading" if _TXT_HEADING.match(p) and len(p.split()) <= 12 else "paragraph", p)
        for p in paragraphs
    ]


def blocks_from_markdown(data: bytes, source: str) -> list[Block]:
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(_decode(data, source))
    blocks: list[Block] = []
    for i, token in enumerate(tokens):
        if token.type != "inline" or not token.children:
            continue
        text = "".join(
            " " if c.type in ("softbreak", "hardbreak") else c.content
            for c in token.children
            if c.type in ("text", "code_inline", "softbreak", "hardbreak")
        )
        opener = tokens[i - 1]
        if opener.type == "heading_open":
            blocks.append(Block("heading", text, int(opener.tag[1])))
        else:
            blocks.append(Block("paragraph", text))
    return blocks


_HTML_BLOCKS = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "blockquote", "td", "dd"]


def blocks_from_html(data: bytes, source: str) -> list[Block]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "html.parser")
    for tag in soup(["script", "style", "nav", "header", "footer", "noscript", "template"]):
        tag.decompose()
    blocks: list[Block] = []
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    if title:
        blocks.append(Block("heading", title, 1))
    for element in soup.find_all(_HTML_BLOCKS):
        if element.find_parent(_HTML_BLOCKS):
            continue
        text = element.get_text()
        if element.name.startswith("h"):
            if text != title:
                blocks.append(Block("heading", text, int(element.name[1])))
        else:
            blocks.append(Block("paragraph", text))
    return blocks


def blocks_from_pdf(data: bytes, source: str, max_pages: int) -> list[Block]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise DocumentError(f"{source}: the PDF is encrypted.")
        if len(reader.pages) > max_pages:
            raise DocumentError(
                f"{source}: {len(reader.pages)} pages, over the limit of {max_pages} "
                "(ASSISTANT_MAX_PDF_PAGES)."
            )
        blocks: list[Block] = []
        for number, page in enumerate(reader.pages, start=1):
            text = page.extract_text() or ""
            blocks.append(Block("heading", f"Page {number}", 2))
            blocks.extend(
                Block("paragraph", p.replace("\n", " ")) for p in re.split(r"\n\s*\n", text)
            )
        return blocks
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DocumentError(f"{source}: not a readable PDF ({type(exc).__name__}: {exc}).") from exc


def blocks_from_docx(data: bytes, source: str) -> list[Block]:
    import zipfile

    import docx

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
        if expanded > MAX_DOCX_EXPANDED_BYTES:
            raise DocumentError(
                f"{source}: the DOCX expands to {expanded:,} bytes, over the limit of "
                f"{MAX_DOCX_EXPANDED_BYTES:,}."
            )
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, EOFError) as exc:
        raise DocumentError(f"{source}: not a readable DOCX file ({exc}).") from exc
    blocks: list[Block] = []
    for paragraph in document.paragraphs:
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        if style == "Title" or style.startswith("Heading"):
            level = int(style.split()[-1]) if style.split()[-1].isdigit() else 1
            blocks.append(Block("heading", paragraph.text, level))
        else:
            blocks.append(Block("paragraph", paragraph.text))
    return blocks


def _loader(suffix: str, max_pdf_pages: int) -> Callable[[bytes, str], list[Block]]:
    loaders: dict[str, Callable[[bytes, str], list[Block]]] = {
        ".txt": blocks_from_txt,
        ".md": blocks_from_markdown,
        ".markdown": blocks_from_markdown,
        ".html": blocks_from_html,
        ".htm": blocks_from_html,
        ".pdf": lambda data, source: blocks_from_pdf(data, source, max_pdf_pages),
        ".docx": blocks_from_docx,
    }
    if suffix not in loaders:
        allowed = ", ".join(SUPPORTED_SUFFIXES)
        raise DocumentError(f"unsupported file type '{suffix or '(none)'}'; allowed: {allowed}.")
    return loaders[suffix]


def load_bytes(data: bytes, source: str, max_pdf_pages: int = 2000) -> LoadedDocument:
    """Parse one document's bytes; ``source`` is its name relative to the knowledge dir."""
    if not data.strip():
        raise DocumentError(f"{source}: the file is empty.")
    suffix = Path(source).suffix.lower()
    blocks = _loader(suffix, max_pdf_pages)(data, source)
    fallback = Path(source).stem.replace("-", " ").replace("_", " ").strip() or source
    return assemble(source, blocks, fallback, hashlib.sha256(data).hexdigest())


def load_file(path: Path, source: str, max_bytes: int, max_pdf_pages: int) -> LoadedDocument:
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
    return load_bytes(data, source, max_pdf_pages)
