"""The answer step as LangChain Runnables: a chain for LCEL pipelines and a tool for agents.

Both call the same core ``ask_stream`` every interface calls; they only convert input and
format output. Callbacks and tracing are LangChain's: a run is reported to the handlers the
caller passes (``config={"callbacks": [...]}``) and to LangSmith only when the caller turned it
on (``LANGSMITH_TRACING=true``); nothing is traced or sent otherwise.
"""

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForChainRun
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.runnables.config import run_in_executor
from langchain_core.tools import StructuredTool, ToolException
from pydantic import BaseModel, Field

from assistant.answer.core import ask, ask_stream
from assistant.config import Settings
from assistant.errors import InvalidQuestionError
from assistant.knowledge.base import KnowledgeBase
from assistant.types import Answer, Turn

ChainEvent = str | Answer
_ROLES = {"human": "user", "user": "user", "ai": "assistant", "assistant": "assistant"}
TOOL_DESCRIPTION = (
    "Answers one question from the indexed documents, quoting them with numbered citations "
    "[n] and listing each cited source with its passage. Says plainly when the documents do "
    "not answer. Ask a complete, standalone question: the tool does not see the conversation."
)


class QuestionInput(BaseModel):
    """The chain's input as a mapping: a question and, for follow-ups, the conversation so far."""

    question: str = Field(description="The question, as the user asked it.")
    history: list[Turn] = Field(
        default_factory=list,
        description="Earlier turns, oldest first: {'role': 'user' or 'assistant', 'content'}; "
        "LangChain HumanMessage/AIMessage objects are accepted too.",
    )


class ToolInput(BaseModel):
    question: str = Field(
        description="One complete, standalone question about the documents (name the subject; "
        "the tool does not see the conversation)."
    )


ChainInput = str | Mapping[str, Any] | QuestionInput


class AnswerChain(Runnable[ChainInput, Answer]):
    """Question in, cited ``Answer`` out: ``invoke``/``ainvoke``, ``batch``/``abatch``, and
    ``stream``/``astream``, which yield the answer's text in pieces and then the ``Answer``.

    The input is the question as text, or ``{"question": ..., "history": [...]}``. Without
    ``knowledge`` the process's shared knowledge base for ``settings`` is used. Raises what
    ``ask`` raises: ``InvalidQuestionError`` for unusable input, ``EmptyStoreError`` before
    anything is ingested.
    """

    def __init__(
        self,
        knowledge: KnowledgeBase | None = None,
        *,
        settings: Settings | None = None,
        chat_model: Any = None,
        k: int | None = None,
        sources: Sequence[str] | None = None,
    ) -> None:
        self.knowledge = knowledge
        self.settings = settings
        self.chat_model = chat_model
        self.k = k
        self.sources = list(sources) if sources else None
        self.name = "AnswerChain"

    @property
    def InputType(self) -> Any:
        return str | QuestionInput

    @property
    def OutputType(self) -> Any:
        return Answer

    def invoke(
        self, input: ChainInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Answer:
        return _checked(self._call_with_config(self._answer, input, config, run_type="chain"))

    async def ainvoke(
        self, input: ChainInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Answer:
        answer = await self._acall_with_config(self._aanswer, input, config, run_type="chain")
        return _checked(answer)

    def batch(
        self, inputs: Sequence[ChainInput], config: Any = None, *,
        return_exceptions: bool = False, **kwargs: Any,
    ) -> list[Answer]:
        """``invoke`` over many inputs in threads (``config={"max_concurrency": n}``)."""
        return super().batch(
            list(inputs), config, return_exceptions=return_exceptions, **kwargs
        )

    async def abatch(
        self, inputs: Sequence[ChainInput], config: Any = None, *,
        return_exceptions: bool = False, **kwargs: Any,
    ) -> list[Answer]:
        return await super().abatch(
            list(inputs), config, return_exceptions=return_exceptions, **kwargs
        )

    # The streams yield the answer's text in pieces before the Answer, so their item type is
    # wider than the Answer that invoke returns.
    def stream(  # type: ignore[override]
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[ChainEvent]:
        return self.transform(iter([input]), config, **kwargs)

    def transform(  # type: ignore[override]
        self, input: Iterator[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[ChainEvent]:
        events = self._events
        yield from self._transform_stream_with_config(input, events, config, "chain")  # type: ignore[arg-type]

    async def astream(  # type: ignore[override]
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[ChainEvent]:
        async for event in self.atransform(_one(input), config, **kwargs):
            yield event

    async def atransform(  # type: ignore[override]
        self, input: AsyncIterator[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[ChainEvent]:
        source = self._aevents
        events = self._atransform_stream_with_config(input, source, config, "chain")  # type: ignore[arg-type]
        async for event in events:
            yield event

    def _answer(self, value: Any) -> Answer:
        question, history = question_and_history(value)
        return ask(question, history=history, **self._options())

    async def _aanswer(
        self, value: ChainInput, run_manager: AsyncCallbackManagerForChainRun,
        config: RunnableConfig,
    ) -> Answer:
        return await run_in_executor(config, self._answer, value)

    def _events(self, inputs: Iterator[Any]) -> Iterator[ChainEvent]:
        question, history = question_and_history(_last(inputs))
        yield from ask_stream(question, history=history, **self._options())

    async def _aevents(
        self, inputs: AsyncIterator[ChainInput], run_manager: AsyncCallbackManagerForChainRun,
        config: RunnableConfig,
    ) -> AsyncIterator[ChainEvent]:
        """The same events, each computed in an executor thread, so the event loop stays free."""
        values = [value async for value in inputs]
        events = self._events(iter(values))
        while (event := await run_in_executor(config, next, events, None)) is not None:
            yield event

    def _options(self) -> dict[str, Any]:
        return {
            "settings": self.settings, "knowledge": self.knowledge,
            "chat_model": self.chat_model, "k": self.k, "sources": self.sources,
        }


def question_and_history(value: Any) -> tuple[str, list[Turn]]:
    """The chain's input as ``ask``'s arguments; anything else is an ``InvalidQuestionError``."""
    if isinstance(value, str):
        return value, []
    if isinstance(value, QuestionInput):
        return value.question, value.history
    if isinstance(value, Mapping):
        unknown = sorted(set(value) - {"question", "history"})
        if "question" not in value or unknown:
            raise InvalidQuestionError(
                "The chain takes a question as text or {'question': ..., 'history': [...]}; "
                f"got the keys {sorted(value)}."
            )
        return value["question"], [_turn(t) for t in value.get("history") or ()]
    raise InvalidQuestionError(
        f"The chain takes a question as text or a mapping, not {type(value).__name__}."
    )


def _turn(turn: Any) -> Any:
    """A LangChain message as a turn; anything else is left for ``ask`` to validate."""
    role = _ROLES.get(getattr(turn, "type", ""))
    if role and isinstance(getattr(turn, "content", None), str):
        return Turn(role=role, content=turn.content)
    return turn


def _last(inputs: Iterator[Any]) -> Any:
    value = None
    for value in inputs:  # noqa: B007 (the last input is the one answered)
        pass
    return value


def _checked(event: ChainEvent) -> Answer:
    assert isinstance(event, Answer), "the answer step ends with an Answer"
    return event


async def _one(value: Any) -> AsyncIterator[Any]:
    yield value


def answer_text(answer: Answer) -> str:
    """An answer as plain text: the answer with its [n] markers, then each cited source."""
    lines = [answer.answer]
    if answer.notice:
        lines.append(f"Note: {answer.notice}")
    if answer.citations:
        lines.append("\nSources:")
        lines.extend(
            f"[{c.n}] {c.source} · {c.section} (characters {c.start}-{c.end}): “{c.quote}”"
            for c in answer.citations
        )
    lines.append(f"Support: {answer.support.label}.")
    return "\n".join(lines)


def answer_tool(
    knowledge: KnowledgeBase | None = None,
    *,
    settings: Settings | None = None,
    chat_model: Any = None,
    k: int | None = None,
    sources: Sequence[str] | None = None,
    name: str = "ask_documents",
    description: str = TOOL_DESCRIPTION,
) -> StructuredTool:
    """The answer step as an agent tool: one argument, ``question``.

    Its content is ``answer_text`` (the cited answer and its sources); its artifact, on a
    ``ToolMessage``, is the ``Answer`` itself. A question the assistant cannot use (empty, too
    long) comes back to the model as the error text, so it can ask again; other errors raise.
    """
    chain = AnswerChain(
        knowledge, settings=settings, chat_model=chat_model, k=k, sources=sources
    )

    def run(question: str) -> tuple[str, Answer]:
        try:
            answer = chain.invoke(question)
        except InvalidQuestionError as exc:
            raise ToolException(str(exc)) from None
        return answer_text(answer), answer

    async def arun(question: str) -> tuple[str, Answer]:
        try:
            answer = await chain.ainvoke(question)
        except InvalidQuestionError as exc:
            raise ToolException(str(exc)) from None
        return answer_text(answer), answer

    return StructuredTool.from_function(
        func=run, coroutine=arun, name=name, description=description, args_schema=ToolInput,
        response_format="content_and_artifact", handle_tool_error=True,
    )
