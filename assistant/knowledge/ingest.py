"""Incremental, idempotent sync of source files into the knowledge base."""

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from assistant.errors import DocumentError
from assistant.knowledge.base import KNOWLEDGE_DIR_HINT, KnowledgeBase
from assistant.knowledge.chunking import Chunk, chunk_document, drop_footnote_marks
from assistant.knowledge.embeddings import LOCAL_MODEL_ID, as_array
from assistant.knowledge.loaders import SUPPORTED_SUFFIXES, Budget, LoadedDocument, load_bytes
from assistant.knowledge.records import DocumentRecord, DocumentWrite, sentence_id
from assistant.knowledge.trash import Trash
from assistant.text import non_latin_share

Progress = Callable[[str, int, int], None]
WRITE_BATCH_SENTENCES = 2048
_FOLDER_METADATA = frozenset({"thumbs.db", "desktop.ini"})  # Windows writes these


class Skipped(BaseModel):
    path: str
    reason: str


class DocumentNotes(BaseModel):
    """What one document's loader found and left out, and what may weaken its answers."""

    path: str
    found: list[str] = Field(default_factory=list)
    dropped: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)


class IngestReport(BaseModel):
    added: list[str] = Field(default_factory=list)
    updated: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    unchanged: list[str] = Field(default_factory=list)
    skipped: list[Skipped] = Field(default_factory=list)
    excluded: list[str] = Field(default_factory=list)  # removed from the index on purpose
    chunks_embedded: int = 0
    sentences_embedded: int = 0
    fingerprint: str = ""
    documents: int = 0
    chunks: int = 0
    notes: list[DocumentNotes] = Field(
        default_factory=list, description="Per document read: what was found and dropped."
    )


def _anchor(roots: list[Path], knowledge_dir: Path) -> Path:
    """The folder that names of documents outside the knowledge dir are relative to: the
    deepest one holding every root, so a/README.md and b/README.md stay two documents."""
    inside = knowledge_dir.resolve()
    outside = [
        root.resolve().parent for root in roots
        if root.resolve() != inside and inside not in root.resolve().parents
    ]
    return Path(os.path.commonpath(outside)) if outside else inside


def _source_name(path: Path, anchor: Path, knowledge_dir: Path) -> str:
    """A document's id: its path relative to the knowledge dir, else to ``anchor``. A symbolic
    link is named by itself, never by its target."""
    for base in (knowledge_dir, anchor):
        for found, folder in ((path.absolute(), base.absolute()), (path.resolve(), base.resolve())):
            if os.path.normpath(found).startswith(os.path.normpath(folder) + os.sep):
                return Path(os.path.relpath(found, folder)).as_posix()
    return path.name


def _origin(root: Path, knowledge_dir: Path, anchor: Path) -> str:
    """ "" for the knowledge dir, else the absolute folder the documents are named from."""
    base = (root if root.is_dir() else root.parent).resolve()
    inside = base == knowledge_dir.resolve() or knowledge_dir.resolve() in base.parents
    return "" if inside else anchor.resolve().as_posix()


def _scope(root: Path, knowledge_dir: Path, anchor: Path) -> str | None:
    """The source-name prefix a directory owns (documents under it that vanished are removed)."""
    if not root.is_dir():
        return None
    try:
        relative = root.resolve().relative_to(knowledge_dir.resolve()).as_posix()
    except ValueError:
        return root.resolve().relative_to(anchor.resolve()).as_posix() + "/"
    return "" if relative == "." else relative + "/"


def discover(root: Path) -> Iterator[Path]:
    if root.is_file():
        yield root
        return
    for path in sorted(root.rglob("*")):
        hidden = any(part.startswith(".") for part in path.relative_to(root).parts)
        if path.is_file() and not hidden and not _not_a_document(path.name):
            yield path


def _not_a_document(name: str) -> bool:
    """Files that sit among documents by convention and are none: Office's owner file
    ("~$report.docx", there while the document is open), an editor's backup ("notes.md~")
    and Windows' folder metadata. Listed as skipped they would fail every ingest."""
    return name.startswith("~$") or name.endswith("~") or name.lower() in _FOLDER_METADATA



def _document_rows(
    chunks: list[Chunk], content_hash: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    chunk_rows, sentence_rows, sentence_texts = [], [], []
    for chunk in chunks:
        chunk_rows.append(
            {
                "id": chunk.chunk_id,
                "text": chunk.text,
                "metadata": {
                    "source": chunk.source,
                    "title": chunk.title,
                    "section": chunk.section,
                    "chunk_index": chunk.index,
                    "start": chunk.start,
                    "end": chunk.end,
                    "doc_hash": content_hash,
                    "sentences": json.dumps(chunk.sentences),
                },
            }
        )
        for number, (start, end) in enumerate(chunk.sentences):
            sentence_texts.append(drop_footnote_marks(chunk.text[start:end]))
            sentence_rows.append(
                {
                    "id": sentence_id(chunk.chunk_id, number),
                    "metadata": {
                        "chunk_id": chunk.chunk_id,
                        "source": chunk.source,
                        "doc_hash": content_hash,
                        "start": chunk.start + start,
                        "end": chunk.start + end,
                    },
                }
            )
    return chunk_rows, sentence_rows, sentence_texts


@dataclass(frozen=True)
class Parsed:
    """A document parsed and chunked, waiting to be embedded and written."""

    record: DocumentRecord
    chunks: list[dict[str, Any]]
    sentences: list[dict[str, Any]]
    texts: list[str]
    notes: DocumentNotes | None = None


def parse_bytes(kb: KnowledgeBase, data: bytes, source: str, origin: str = "") -> Parsed:
    settings = kb.settings
    budget = Budget(source, settings.max_document_chars, settings.max_document_sentences)
    doc = load_bytes(data, source, settings.max_pdf_pages, budget)
    chunks = chunk_document(doc, settings.chunk_min_chars, settings.chunk_max_chars)
    chunk_rows, sentence_rows, texts = _document_rows(chunks, doc.content_hash)
    record = DocumentRecord(source, doc.title, doc.content_hash, kb.chunker, len(chunks), origin)
    return Parsed(record, chunk_rows, sentence_rows, texts, _notes(doc, kb.embedding_model))


def _notes(doc: LoadedDocument, embedding_model: str) -> DocumentNotes:
    findings = doc.findings
    warnings = []
    share = non_latin_share(doc.text)
    if share > 0.5 and embedding_model == LOCAL_MODEL_ID:
        warnings.append(
            f"{share:.0%} of its letters are not Latin script; the embedding model "
            f"({embedding_model}) is English-only, so search by meaning is weak here and "
            "answers rest on matching words (ASSISTANT_EMBEDDING_MODEL=multilingual reads "
            "about 100 languages)"
        )
    if findings.pages_without_text:
        warnings.append("pages without a text layer are not searched: OCR them to include them")
    if findings.repairs:
        mended = "; ".join(findings.repairs)
        warnings.append(
            f"the file is damaged and was read as far as it could be ({mended}): check that "
            "its text is complete, or save a new copy"
        )
    return DocumentNotes(
        path=doc.source, found=findings.found(), dropped=findings.dropped(), warnings=warnings
    )


def write_parsed(kb: KnowledgeBase, parsed: list[Parsed]) -> list[Parsed]:
    """Embed the documents' sentences in one call and write the documents as one batch;
    returns the empty list of documents still to write."""
    if not parsed:
        return []
    texts = [text for doc in parsed for text in doc.texts]
    unique = list(dict.fromkeys(texts))  # a repeated sentence is embedded once
    position = {text: i for i, text in enumerate(unique)}
    vectors = as_array(kb.embeddings, unique)[[position[text] for text in texts]]
    ends = np.cumsum([len(doc.texts) for doc in parsed])
    starts = ends - np.array([len(doc.texts) for doc in parsed])
    kb.store.write_documents(
        [
            DocumentWrite(doc.record, doc.chunks, doc.sentences, vectors[start:end])
            for doc, start, end in zip(parsed, starts, ends, strict=True)
        ]
    )
    return []


def ingest_bytes(
    kb: KnowledgeBase, data: bytes, source: str, origin: str = ""
) -> tuple[DocumentRecord, int, int]:
    """Parse, chunk, embed and store one document; returns its record, chunk and sentence counts."""
    parsed = parse_bytes(kb, data, source, origin)
    write_parsed(kb, [parsed])
    return parsed.record, len(parsed.chunks), len(parsed.texts)


def sync(
    kb: KnowledgeBase, paths: list[Path] | None = None, progress: Progress | None = None
) -> IngestReport:
    """Bring the store in line with the files: add, replace, remove; embed only what changed.

    Changed documents are embedded and written in batches of about WRITE_BATCH_SENTENCES
    sentences (every store write commits, whatever its size); each document still becomes
    visible only once all its rows are written. One sync at a time writes to a data dir, in
    any process: a second one waits for the first (see ``KnowledgeBase.writing``).
    """
    with kb.writing():
        return _sync(kb, paths, progress)


def _sync(kb: KnowledgeBase, paths: list[Path] | None, progress: Progress | None) -> IngestReport:
    knowledge_dir = kb.settings.knowledge_dir
    roots = paths or [knowledge_dir]
    manifest = kb.store.manifest()
    kb.store.remove_orphans(manifest)
    report = IngestReport()
    seen: set[str] = set()
    pending: list[Parsed] = []
    files = [
        (root, path) for root in roots for path in _checked_root(root, knowledge_dir, report)
    ]
    anchor = _anchor(roots, knowledge_dir)
    excluded = Trash(kb.settings.data_dir).excluded()
    for done, (root, path) in enumerate(files):
        source = _source_name(path, anchor, knowledge_dir)
        if source in excluded:
            report.excluded.append(source)
            continue
        seen.add(source)
        if progress:
            progress(source, done, len(files))
        if any(doc.record.source == source for doc in pending):  # named twice: last one wins
            pending = write_parsed(kb, pending)
        origin = _origin(root, knowledge_dir, anchor)
        parsed = _sync_file(kb, path, source, manifest.get(source), origin, report)
        pending += [parsed] if parsed else []
        if sum(len(doc.texts) for doc in pending) >= WRITE_BATCH_SENTENCES:
            pending = write_parsed(kb, pending)
    write_parsed(kb, pending)
    _remove_vanished(kb, roots, (knowledge_dir, anchor), manifest, seen, report)
    if progress:
        progress("", len(files), len(files))
    kb.refresh(force=True)
    final = kb.manifest()
    report.fingerprint = kb.fingerprint(final)
    report.documents = len(final)
    report.chunks = sum(r.chunk_count for r in final.values())
    if kb.store.stored_fingerprint() != report.fingerprint:
        kb.store.set_fingerprint(report.fingerprint)
    return report


def _checked_root(root: Path, knowledge_dir: Path, report: IngestReport) -> list[Path]:
    if not root.exists():
        reason = "no such file or directory"
        if root == knowledge_dir:
            reason = f"the knowledge dir does not exist; {KNOWLEDGE_DIR_HINT}"
        report.skipped.append(Skipped(path=str(root), reason=reason))
        return []
    return list(discover(root))


def _sync_file(
    kb: KnowledgeBase,
    path: Path,
    source: str,
    known: DocumentRecord | None,
    origin: str,
    report: IngestReport,
) -> Parsed | None:
    """The parsed document when the file is new or changed; None when unchanged or skipped."""
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        allowed = ", ".join(SUPPORTED_SUFFIXES)
        report.skipped.append(
            Skipped(path=source, reason=f"unsupported file type; allowed: {allowed}")
        )
        return None
    try:
        if path.stat().st_size > kb.settings.max_file_bytes:
            raise DocumentError(
                f"{path.stat().st_size:,} bytes, over the limit of "
                f"{kb.settings.max_file_bytes:,} (ASSISTANT_MAX_FILE_BYTES)"
            )
        data = path.read_bytes()
    except OSError as exc:
        report.skipped.append(Skipped(path=source, reason=f"cannot be read: {exc.strerror}"))
        return None
    except DocumentError as exc:
        report.skipped.append(Skipped(path=source, reason=str(exc)))
        return None
    if (
        known
        and known.content_hash == hashlib.sha256(data).hexdigest()
        and known.chunker == kb.chunker
    ):
        report.unchanged.append(source)
        return None
    try:
        parsed = parse_bytes(kb, data, source, origin)
    except DocumentError as exc:
        report.skipped.append(Skipped(path=source, reason=str(exc).removeprefix(f"{source}: ")))
        return None
    (report.updated if known else report.added).append(source)
    if parsed.notes and (parsed.notes.found or parsed.notes.dropped or parsed.notes.warnings):
        report.notes.append(parsed.notes)
    report.chunks_embedded += len(parsed.chunks)
    report.sentences_embedded += len(parsed.texts)
    return parsed


def _remove_vanished(
    kb: KnowledgeBase,
    roots: list[Path],
    folders: tuple[Path, Path],
    manifest: dict[str, DocumentRecord],
    seen: set[str],
    report: IngestReport,
) -> None:
    """``folders``: the knowledge dir and the anchor of names outside it."""
    owned = [
        (_origin(root, *folders), scope)
        for root in roots
        if (scope := _scope(root, *folders)) is not None
    ]
    for source, record in sorted(manifest.items()):
        mine = any(record.origin == o and source.startswith(s) for o, s in owned)
        if source not in seen and mine:
            kb.store.remove_document(source)
            report.removed.append(source)


def knowledge_dir_changes(kb: KnowledgeBase) -> list[str]:
    """Documents of the knowledge dir that a sync would add, replace or remove."""
    root = kb.settings.knowledge_dir
    manifest = {s: r for s, r in kb.manifest().items() if not r.origin}
    excluded = Trash(kb.settings.data_dir).excluded()
    files = {
        source: path
        for path in (discover(root) if root.is_dir() else [])
        if path.suffix.lower() in SUPPORTED_SUFFIXES
        and (source := _source_name(path, root, root)) not in excluded
    }
    changed = [source for source in manifest if source not in files]
    for source, path in files.items():
        known = manifest.get(source)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if not known or known.content_hash != digest or known.chunker != kb.chunker:
            changed.append(source)
    return sorted(changed)
