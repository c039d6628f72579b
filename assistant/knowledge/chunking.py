"""Structure-aware chunks: sections, then paragraphs, then whole sentences.

LangChain's recursive splitter does the packing; the separators it may cut at are paragraph
breaks and sentence boundaries only, so no sentence is ever cut.
"""

import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.knowledge.loaders import LoadedDocument

if TYPE_CHECKING:  # imported where used: answering a question needs neither
    from langchain_core.documents import Document

CHUNKER_VERSION = "sections-paragraphs-sentences/1"

# A sentence ends at . ! or ? (optionally closed by a quote or bracket, optionally followed by a
# footnote number such as "(DDT).2"), then whitespace and a capital, digit, quote or bracket.
SENTENCE_BOUNDARY = (
    r"(?:(?<=[.!?])|(?<=[.!?][\"”’)])|(?<=[a-z)”][.]\d))"
    r"(?<!\b[A-Z]\.)(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bvs\.)(?<!\bMr\.)(?<!\bDr\.)(?<!\bNo\.)"
    r"(?<!\bSt\.)(?<!\bInc\.)(?<!\bCo\.)"
    r"\s+(?=[\"“(\[A-Z0-9])"
)
_BOUNDARY = re.compile(SENTENCE_BOUNDARY)
_FOOTNOTE = re.compile(r"(?<=[a-z)”][.,])\d{1,2}(?=\s|$)")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Start and end of every sentence of ``text``."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        if text[start : match.start()].strip():
            spans.append((start, match.start()))
        start = match.end()
    if text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return spans


def drop_footnote_marks(sentence: str) -> str:
    """ "economy,1 fueled" -> "economy, fueled": footnote digits are not part of the claim."""
    return _FOOTNOTE.sub("", sentence)


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    source: str
    title: str
    section: str
    index: int
    text: str
    start: int
    end: int
    sentences: tuple[tuple[int, int], ...]

    @property
    def search_text(self) -> str:
        """What the lexical index sees: the passage with its document title and section."""
        return f"{self.title}\n{self.section}\n{self.text}"


def document_id(source: str) -> str:
    return hashlib.sha1(source.encode("utf-8")).hexdigest()[:16]


def chunk_document(doc: LoadedDocument, min_chars: int, max_chars: int) -> list[Chunk]:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=max_chars,
        chunk_overlap=0,
        separators=[r"\n\n", SENTENCE_BOUNDARY],
        is_separator_regex=True,
        keep_separator=True,
        add_start_index=True,
    )
    chunks: list[Chunk] = []
    prefix = f"{document_id(doc.source)}:{doc.content_hash[:12]}"
    for section in doc.sections:
        first, last = section.paragraphs[0][0], section.paragraphs[-1][1]
        body = doc.text[first:last]
        for piece in _merge_small(splitter.create_documents([body]), min_chars, max_chars):
            start, end = first + piece[0], first + piece[1]
            text = doc.text[start:end]
            chunks.append(
                Chunk(
                    chunk_id=f"{prefix}:{len(chunks)}",
                    source=doc.source,
                    title=doc.title,
                    section=section.heading,
                    index=len(chunks),
                    text=text,
                    start=start,
                    end=end,
                    sentences=tuple(sentence_spans(text)),
                )
            )
    return chunks


def _merge_small(pieces: "list[Document]", min_chars: int, max_chars: int) -> list[tuple[int, int]]:
    """Spans of the splitter's pieces; a small piece joins its neighbour when both fit."""
    spans: list[tuple[int, int]] = []
    for piece in pieces:
        start = int(piece.metadata["start_index"])
        content = piece.page_content
        start += len(content) - len(content.lstrip())
        span = (start, start + len(content.strip()))
        small = spans and min(spans[-1][1] - spans[-1][0], span[1] - span[0]) < min_chars
        if small and span[1] - spans[-1][0] <= max_chars:
            spans[-1] = (spans[-1][0], span[1])
        else:
            spans.append(span)
    return spans
