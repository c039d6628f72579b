"""Answers shaped like the bundled article's, a stand-in for ``ask_stream``, a served page."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from assistant.answer.draft import REFUSAL
from assistant.answer.support import support_for
from assistant.interfaces.web import ChatPage, build_app, launch
from assistant.types import Answer, Citation, SentenceCheck, Stamp, Verification
from benchmarks.server import free_port

CHUNK = (
    "China has sought to harness the digital economy as a “new engine” of economic growth. "
    "The digital economy made up 42.8 percent of GDP in 2023, up from 27 percent in 2015. "
    "Meanwhile, traditional sectors were digitalised."
)
QUOTE = "The digital economy made up 42.8 percent of GDP in 2023, up from 27 percent in 2015."
CHUNK_START = 100


def make_answer(
    question: str = "What share of GDP was the digital economy in 2023?",
    *,
    abstained: bool = False,
    chunk: str = CHUNK,
    quote: str = QUOTE,
    supported: bool = True,
    mode: str = "extractive",
) -> Answer:
    """A finished Answer whose citation offsets point into ``chunk`` like the real ones."""
    stamp = Stamp(
        corpus_fingerprint="5cf05f2f6c1e6efd", embedding_model="test", answer_mode=mode,
        prompt_version="test", package_version="0.1.0",
    )
    if abstained:
        return Answer(
            question=question, standalone_question=question, answer=REFUSAL, abstained=True,
            mode=mode, citations=[], verification=Verification(status="abstained"), stamp=stamp,
            support=support_for(True, Verification(status="abstained")),
        )
    at = CHUNK_START + chunk.index(quote)
    citation = Citation(
        n=1, source="china-digital-trade.md", title="China’s Digital Economy and Digital Trade",
        section="China’s Changing Approach", quote=quote, chunk_text=chunk, start=at,
        end=at + len(quote), chunk_id="doc:hash:0", chunk_start=CHUNK_START,
    )
    check = SentenceCheck(sentence=quote, citations=[1], supported=supported,
                          reason="" if supported else "figure 42.8 not in the cited passage")
    status = "verified" if supported else "unverified"
    verification = Verification(status=status, sentences=[check])
    return Answer(
        question=question, standalone_question=question, answer=f"{quote} [1]", abstained=False,
        mode=mode, citations=[citation], stamp=stamp, timings_ms={"total": 12.0},
        verification=verification,
        support=support_for(False, verification, confidence=0.9, answered_from=0.8),
    )


class StubAsk:
    """Yields the given pieces then the answer (or raises), and remembers each call."""

    def __init__(self, answer: Answer | None = None, pieces: tuple[str, ...] = ("The ", "answer"),
                 error: Exception | None = None) -> None:
        self.answer = answer or make_answer()
        self.pieces = pieces
        self.error = error
        self.calls: list[dict[str, Any]] = []

    def __call__(self, question: str, **kwargs: Any) -> Iterator[str | Answer]:
        self.calls.append({"question": question, **kwargs})
        if self.error:
            raise self.error
        yield from self.pieces
        yield self.answer.model_copy(update={"question": question})


@contextmanager
def launched(page: ChatPage) -> Iterator[str]:
    """The page served on a free loopback port for the duration of the block."""
    app = build_app(page)
    url = launch(app, page.kb.settings, "127.0.0.1", free_port(), block=False)
    try:
        yield url
    finally:
        app.close()
