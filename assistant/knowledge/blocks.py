"""What every loader produces: blocks (title, headings, paragraphs, code, table rows), what it
found and dropped, and the budget a document may spend. ``assemble`` joins the blocks into the
document's normalised text, the text that chunk and quote offsets point into."""

import re
import unicodedata
from dataclasses import dataclass, field

from assistant.errors import DocumentError
from assistant.text import MAX_SENTENCE_CHARS, clean_text, expand_ligatures, sentence_spans

_CONTROL_IN_CODE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Block:
    kind: str  # "title" (metadata, not text), "heading", "paragraph", "code" or "row"
    text: str
    level: int = 0


@dataclass
class Findings:
    """What a loader kept and left out of one document, for the ingest summary."""

    pages: int = 0
    pages_without_text: list[int] = field(default_factory=list)
    furniture_lines: int = 0
    tables: int = 0
    table_rows: int = 0
    code_blocks: int = 0
    front_matter: bool = False
    dropped_elements: list[str] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)  # what the parser mended, in its words

    def found(self) -> list[str]:
        notes = []
        if self.tables:
            notes.append(f"{self.tables} table(s), kept as {self.table_rows} row sentence(s)")
        if self.code_blocks:
            notes.append(f"{self.code_blocks} code block(s), kept verbatim")
        if self.front_matter:
            notes.append("front matter, read as metadata")
        return notes

    def dropped(self) -> list[str]:
        notes = [
            f"page {n} of {self.pages} has no text layer (scanned?): not indexed"
            for n in self.pages_without_text
        ]
        if self.furniture_lines:
            notes.append(f"{self.furniture_lines} running header, footer or page-number line(s)")
        if self.dropped_elements:
            notes.append("page furniture: " + ", ".join(sorted(set(self.dropped_elements))))
        return notes


@dataclass
class Budget:
    """Limits on what one document may cost, counted while it is parsed: characters of text
    and sentences (a sentence over MAX_SENTENCE_CHARS counts once per piece it is cut into).
    ``add`` raises DocumentError as soon as one is passed."""

    source: str
    max_chars: int = 5_000_000
    max_sentences: int = 50_000
    chars: int = 0
    sentences: int = 0

    def expect(self, chars: int) -> None:
        """Refuse now a text that will hold more than ``max_chars`` characters."""
        if self.chars + chars > self.max_chars:
            self._over_chars()

    def _over_chars(self) -> None:
        raise DocumentError(
            f"{self.source}: more than {self.max_chars:,} characters of text, over the "
            "limit (ASSISTANT_MAX_DOCUMENT_CHARS)."
        )

    def add(self, text: str) -> None:
        self.chars += len(text)
        if self.chars > self.max_chars:
            self._over_chars()
        self.sentences += len(sentence_spans(text, MAX_SENTENCE_CHARS))
        if self.sentences > self.max_sentences:
            raise DocumentError(
                f"{self.source}: more than {self.max_sentences:,} sentences, over the limit "
                "(ASSISTANT_MAX_DOCUMENT_SENTENCES)."
            )


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
    verbatim: list[tuple[int, int]] = field(default_factory=list)
    findings: Findings = field(default_factory=Findings)


def clean_block(block: Block) -> str:
    """Prose on one line with single spaces; code keeps its lines and indentation."""
    if block.kind != "code":
        return " ".join(clean_text(block.text).split())
    text = unicodedata.normalize("NFC", expand_ligatures(block.text))
    lines = _CONTROL_IN_CODE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join(line.rstrip() for line in lines.split("\n")).strip("\n")


def assemble(
    source: str, blocks: list[Block], fallback_title: str, digest: str, findings: Findings
) -> LoadedDocument:
    """Join blocks with blank lines and record where each paragraph sits under which heading.
    A document of headings alone (a one-line note) is read as paragraphs."""
    cleaned = [(block, clean_block(block)) for block in blocks]
    cleaned = [(block, text) for block, text in cleaned if text]
    if not any(block.kind not in ("title", "heading") for block, _ in cleaned):
        cleaned = [(Block("paragraph", t), t) for b, t in cleaned if b.kind == "heading"]
    parts: list[str] = []
    offset = 0
    title = next((text for block, text in cleaned if block.kind == "title"), "")
    sections = [Section(heading="")]
    verbatim: list[tuple[int, int]] = []
    for block, text in cleaned:
        if block.kind == "title":
            continue
        offset += 2 if parts else 0
        parts.append(text)
        if block.kind == "heading":
            title = title or text
            sections.append(Section(heading=text))
        else:
            sections[-1].paragraphs.append((offset, offset + len(text)))
            if block.kind == "code":
                verbatim.append((offset, offset + len(text)))
        offset += len(text)
    if not any(s.paragraphs for s in sections):
        raise DocumentError(f"{source}: no text found (empty, or only images).")
    body = [s for s in sections if s.paragraphs]
    text = "\n\n".join(parts)
    return LoadedDocument(
        source, title or fallback_title, text, body, digest, verbatim, findings
    )
