"""Synthetic corpora: many Markdown documents of generated prose, one chunk per paragraph.

Words are drawn with their frequencies in the bundled article and the decoys; sentence lengths
follow those documents' (a normal fit, 8 to 45 words); one sentence in three carries a figure
(a year, a percentage, an amount). Paragraphs are 460-880 characters, so the default chunker
(400-900) keeps each paragraph as one chunk and a corpus of N paragraphs is N chunks.
"""

import random
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from benchmarks.measure import DECOYS, KNOWLEDGE, fresh_dir

CHUNKS_PER_DOCUMENT = 20
PARAGRAPHS_PER_SECTION = 4
PARAGRAPH_CHARS = (460, 880)
_WORD = re.compile(r"[A-Za-z][A-Za-z\-’']*")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z“])")


@dataclass(frozen=True)
class Vocabulary:
    words: list[str]
    weights: list[int]
    sentence_words: tuple[float, float]  # mean and standard deviation


def vocabulary() -> Vocabulary:
    """Word frequencies and sentence lengths of the article and the decoys."""
    text = "\n".join(
        path.read_text(encoding="utf-8")
        for path in [*sorted(KNOWLEDGE.glob("*.md")), *sorted(DECOYS.glob("*.md"))]
    )
    counts = Counter(_WORD.findall(text))
    lengths = [len(_WORD.findall(s)) for s in _SENTENCE.split(text) if len(s) > 30]
    mean = sum(lengths) / len(lengths)
    spread = (sum((n - mean) ** 2 for n in lengths) / len(lengths)) ** 0.5
    words = sorted(counts)
    return Vocabulary(words, [counts[w] for w in words], (mean, spread))


def _figure(rng: random.Random) -> str:
    kind = rng.randrange(4)
    if kind == 0:
        return str(rng.randint(1990, 2035))
    if kind == 1:
        return f"{rng.uniform(0.5, 60):.1f} percent"
    if kind == 2:
        return f"US${rng.randint(2, 990)} billion"
    return f"{rng.randint(2, 999):,}"


def sentence(rng: random.Random, vocab: Vocabulary) -> str:
    mean, spread = vocab.sentence_words
    length = min(45, max(8, round(rng.gauss(mean, spread))))
    words = rng.choices(vocab.words, vocab.weights, k=length)
    if rng.random() < 1 / 3:
        words.insert(rng.randrange(1, length), _figure(rng))
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def paragraph(rng: random.Random, vocab: Vocabulary) -> list[str]:
    """Sentences until the paragraph is long enough; restart if it overshoots."""
    low, high = PARAGRAPH_CHARS
    while True:
        sentences: list[str] = []
        size = -1
        while size < low:
            sentences.append(sentence(rng, vocab))
            size += len(sentences[-1]) + 1
        if size <= high:
            return sentences


def document(rng: random.Random, vocab: Vocabulary, number: int, chunks: int) -> str:
    title = " ".join(rng.choices(vocab.words, vocab.weights, k=5)).capitalize()
    lines = [f"# {title} (report {number})", ""]
    for index in range(chunks):
        if index % PARAGRAPHS_PER_SECTION == 0:
            heading = " ".join(rng.choices(vocab.words, vocab.weights, k=4)).capitalize()
            lines += [f"## {heading}", ""]
        lines += [" ".join(paragraph(rng, vocab)), ""]
    return "\n".join(lines)


def documents(total_chunks: int, seed: int = 7) -> Iterator[tuple[str, str]]:
    """(file name, Markdown text) pairs adding up to ``total_chunks`` chunks."""
    rng = random.Random(seed)
    vocab = vocabulary()
    for number, start in enumerate(range(0, total_chunks, CHUNKS_PER_DOCUMENT)):
        chunks = min(CHUNKS_PER_DOCUMENT, total_chunks - start)
        yield f"doc-{number:05d}.md", document(rng, vocab, number, chunks)


def write_corpus(directory: Path, total_chunks: int) -> list[str]:
    """Write the corpus; returns every sentence, in order, for the embedding baseline."""
    fresh_dir(directory)
    sentences: list[str] = []
    for name, text in documents(total_chunks):
        (directory / name).write_text(text, encoding="utf-8")
        for block in text.split("\n\n"):
            if not block.startswith("#"):
                sentences.extend(_SENTENCE.split(block.strip()))
    return sentences
