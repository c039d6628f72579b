"""Structure-aware chunks: sections, then paragraphs, then whole sentences.

LangChain's recursive splitter does the packing; it cuts at paragraph breaks, then at
sentence boundaries, and inside a sentence only when the sentence alone is over the chunk
size. Code blocks are never cut unless over the chunk size. Sentence spans come from the whole
document (``document_sentences``), so no stored sentence is longer than MAX_SENTENCE_CHARS.
"""

import hashlib
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from assistant.knowledge.blocks import LoadedDocument
from assistant.text import (
    MAX_SENTENCE_CHARS,
    SENTENCE_BOUNDARY,
    cut_span,
    drop_footnote_marks,
    sentence_spans,
)

__all__ = ["CHUNKER_VERSION", "Chunk", "chunk_document", "drop_footnote_marks", "sentence_spans"]
if TYPE_CHECKING:  # imported where used: answering a question needs no splitter
    from langchain_text_splitters import TextSplitter

CHUNKER_VERSION = f"sections-paragraphs-sentences/2:{MAX_SENTENCE_CHARS}"


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


def document_sentences(doc: LoadedDocument, max_chars: int) -> list[tuple[int, int]]:
    """Every sentence of the document as offsets into ``doc.text``, none over ``max_chars``:
    a code block is one sentence (cut when too long), and one with the sentence introducing it
    ("Restart the worker with:") when both fit."""
    verbatim = set(doc.verbatim)
    spans: list[tuple[int, int]] = []
    for section in doc.sections:
        for start, end in section.paragraphs:
            if (start, end) in verbatim:
                intro = spans[-1] if spans and doc.text[spans[-1][1] - 1] == ":" else None
                if intro and start - intro[1] == 2 and end - intro[0] <= max_chars:
                    spans[-1] = (intro[0], end)
                else:
                    spans += cut_span(doc.text, start, end, max_chars)
                continue
            found = sentence_spans(doc.text[start:end], max_chars)
            spans += [(start + a, start + b) for a, b in found]
    return spans


def _splitter(max_chars: int, separators: list[str]) -> "TextSplitter":
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(
        chunk_size=max_chars,
        chunk_overlap=0,
        separators=separators,
        is_separator_regex=True,
        keep_separator=True,
        add_start_index=True,
    )


@cache
def _splitters(max_chars: int) -> tuple["TextSplitter", "TextSplitter"]:
    """Splitters for prose and for code blocks."""
    return (
        _splitter(max_chars, [r"\n\n", SENTENCE_BOUNDARY, r" ", ""]),
        _splitter(max_chars, [r"\n\n", r"\n", r" ", ""]),
    )


def _pieces(doc: LoadedDocument, paragraphs: list[tuple[int, int]], max_chars: int) -> list[
    tuple[int, int]
]:
    """Spans of one section cut to size: runs of prose by the splitter, code blocks whole."""
    prose, code = _splitters(max_chars)
    verbatim = set(doc.verbatim)
    spans: list[tuple[int, int]] = []
    run: list[tuple[int, int]] = []
    for paragraph in [*paragraphs, (-1, -1)]:
        if paragraph in verbatim or paragraph == (-1, -1):
            if run:
                spans += _split(doc.text, run[0][0], run[-1][1], prose)
                run = []
            if paragraph in verbatim:
                spans += _split(doc.text, *paragraph, code)
        else:
            run.append(paragraph)
    return spans


def _split(text: str, first: int, last: int, splitter: "TextSplitter") -> list[tuple[int, int]]:
    spans = []
    for piece in splitter.create_documents([text[first:last]]):
        start = first + int(piece.metadata["start_index"])
        content = piece.page_content
        start += len(content) - len(content.lstrip())
        if content.strip():
            spans.append((start, start + len(content.strip())))
    return spans


def chunk_document(doc: LoadedDocument, min_chars: int, max_chars: int) -> list[Chunk]:
    sentence_cap = min(MAX_SENTENCE_CHARS, max_chars)
    sentences = document_sentences(doc, sentence_cap)
    starts = [start for start, _ in sentences]
    chunks: list[Chunk] = []
    prefix = f"{document_id(doc.source)}:{doc.content_hash[:12]}"
    for section in doc.sections:
        spans = _merge_small(_pieces(doc, section.paragraphs, max_chars), min_chars, max_chars)
        for start, end in spans:
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
                    sentences=_within(doc.text, sentences, starts, start, end),
                )
            )
    return chunks


def _within(
    text: str, sentences: list[tuple[int, int]], starts: list[int], start: int, end: int
) -> tuple[tuple[int, int], ...]:
    """The sentences inside [start, end), relative to ``start``; one the chunk cuts is clipped."""
    first = max(bisect_right(starts, start) - 1, 0)
    inside = []
    for a, b in sentences[first:]:
        if a >= end:
            break
        a, b = max(a, start), min(b, end)
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            inside.append((a - start, b - start))
    return tuple(inside)


def _merge_small(pieces: list[tuple[int, int]], min_chars: int, max_chars: int) -> list[
    tuple[int, int]
]:
    """A small piece joins its neighbour when both fit."""
    spans: list[tuple[int, int]] = []
    for span in pieces:
        small = spans and min(spans[-1][1] - spans[-1][0], span[1] - span[0]) < min_chars
        if small and span[1] - spans[-1][0] <= max_chars:
            spans[-1] = (spans[-1][0], span[1])
        else:
            spans.append(span)
    return spans
