"""The data that crosses module boundaries; pydantic so every value serialises to JSON."""

from typing import Literal

from pydantic import BaseModel, Field

VerificationStatus = Literal[
    "verified", "partially_verified", "unverified", "abstained", "no_claims"
]
SupportLevel = Literal["answered", "related", "summary", "declined", "no_claims"]
# What a message asked for: a question for the sources, small talk, or a question about the
# assistant or its documents (see ``assistant.answer.intents``).
Intent = Literal["question", "greeting", "thanks", "goodbye", "help", "documents", "summary"]


class Hit(BaseModel):
    """One retrieved chunk with the scores that ranked it."""

    chunk_id: str
    text: str
    source: str
    title: str
    section: str
    chunk_index: int
    start: int = Field(description="Offset of the chunk in the document's normalised text.")
    end: int
    sentences: list[tuple[int, int]] = Field(
        default_factory=list, description="Sentence spans relative to the chunk text."
    )
    dense_score: float | None = None
    lexical_score: float | None = None
    fused_score: float = 0.0
    rerank_score: float | None = Field(
        default=None, description="Score of the chunk's best sentence against the question."
    )


class Citation(BaseModel):
    """What an inline marker ``[n]`` points at."""

    n: int
    source: str
    title: str
    section: str
    quote: str = Field(description="The cited sentence or sentences, verbatim from the source.")
    chunk_text: str
    start: int = Field(description="Offset of the quote in the document's normalised text.")
    end: int
    chunk_id: str
    chunk_start: int = Field(description="Offset of the chunk in the document's normalised text.")
    dense_score: float | None = None
    lexical_score: float | None = None
    fused_score: float = 0.0


class SentenceCheck(BaseModel):
    """Whether one sentence of the answer is backed by the passages it cites."""

    sentence: str
    citations: list[int]
    supported: bool
    reason: str = ""


class Verification(BaseModel):
    status: VerificationStatus
    sentences: list[SentenceCheck] = Field(default_factory=list)
    unsupported_numbers: list[str] = Field(default_factory=list)
    removed_citations: list[int] = Field(
        default_factory=list, description="Markers that pointed at no source and were dropped."
    )
    repaired: bool = False


class Stamp(BaseModel):
    """What produced an answer, so a result can be reproduced and compared."""

    corpus_fingerprint: str
    embedding_model: str
    answer_mode: str
    prompt_version: str
    package_version: str
    answer_parameters: str = Field(
        default="", description="Version of the answer step's fitted parameters."
    )


class Support(BaseModel):
    """How far the sources back the answer, in levels a check can fail to reach.

    ``answered``: the cited passage answers the question (see ``assistant.answer.support``);
    ``related``: it is about the question's topic but may not answer it; ``summary``: a
    summary whose every sentence was found in its cited passage; ``declined``: the
    assistant said the sources do not answer; ``no_claims``: a reply to small talk or a
    question about the assistant, which states nothing from the sources.
    """

    level: SupportLevel
    label: str = Field(description="The level in words, as every interface shows it.")
    confidence: float | None = Field(
        default=None, description="Probability (0-1) that the answer answers the question."
    )
    reasons: list[str] = Field(
        default_factory=list, description="What was checked, one short phrase each."
    )


class ModelDraft(BaseModel):
    """A model's answer that failed verification even after a repair round, or was cut off.
    It is kept beside the quoted answer shown instead; its markers refer to its own citations."""

    text: str
    citations: list[Citation] = Field(default_factory=list)
    verification: Verification
    cut_off: bool = Field(default=False, description="The reply hit its length limit.")


class Answer(BaseModel):
    question: str
    standalone_question: str
    answer: str
    abstained: bool
    mode: str
    citations: list[Citation]
    verification: Verification
    support: Support
    stamp: Stamp
    notice: str = Field(default="", description="Something the user should know, e.g. a fallback.")
    intent: Intent = Field(
        default="question", description="What the message asked for; only ``question``, "
        "``summary`` and ``documents`` replies cite sources."
    )
    model_draft: ModelDraft | None = Field(
        default=None,
        description="The model's answer when it failed verification: the answer shown is then "
        "the quoted (extractive) one, and interfaces show this collapsed as an unverified draft.",
    )
    timings_ms: dict[str, float] = Field(default_factory=dict)


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    content: str
