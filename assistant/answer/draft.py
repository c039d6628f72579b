"""What an answer step hands back before verification, and the shared refusal wording."""

from dataclasses import dataclass, field

from assistant.types import Citation, Hit, Intent, ModelDraft

REFUSAL = "The sources do not answer this question."


@dataclass
class Draft:
    text: str
    citations: list[Citation]
    abstained: bool
    mode: str
    notice: str = ""
    repaired: bool = False
    removed_citations: list[int] = field(default_factory=list)
    prompt_version: str = ""
    # What the reader sees when lines that state nothing from the sources (a heading, the
    # documents' titles) frame the checked ``text``; only ``text`` is verified.
    shown: str = ""
    intent: Intent = "question"
    passages: list[str] = field(default_factory=list)  # every retrieved chunk's text
    cut_off: bool = False  # the reply hit its length limit
    model_draft: ModelDraft | None = None  # a model answer that failed, kept beside this one
    confidence: float | None = None  # fitted probability that the answer answers the question


def citation(n: int, hit: Hit, spans: list[tuple[int, int]]) -> Citation:
    """Cite sentences of a hit by their spans (relative to the chunk)."""
    from assistant.knowledge.chunking import drop_footnote_marks

    spans = sorted(spans)
    quote = " ".join(drop_footnote_marks(hit.text[a:b]) for a, b in spans)
    return Citation(
        n=n,
        source=hit.source,
        title=hit.title,
        section=hit.section,
        quote=quote,
        chunk_text=hit.text,
        start=hit.start + spans[0][0],
        end=hit.start + spans[-1][1],
        chunk_id=hit.chunk_id,
        chunk_start=hit.start,
        dense_score=hit.dense_score,
        lexical_score=hit.lexical_score,
        fused_score=hit.fused_score,
    )
