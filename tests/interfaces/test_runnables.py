"""The answer chain and the agent tool as LangChain Runnables, on the bundled article."""

import asyncio
from typing import Any
from uuid import UUID

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.runnables import RunnableLambda, RunnableParallel

from assistant import ask
from assistant.errors import EmptyStoreError, InvalidQuestionError
from assistant.interfaces.runnables import AnswerChain, answer_tool
from assistant.knowledge.base import KnowledgeBase
from assistant.search.retriever import HybridRetriever
from assistant.types import Answer
from tests.fakes import ToolCallingFakeChatModel

EIGHT = [
    ("What share of China's GDP did the digital economy account for in 2023?", "42.8 percent"),
    ("How many countries had signed e-commerce MoUs with China by July 2024?", "33 countries"),
    ("How many cross-border e-commerce pilot zones has China set up?", "165"),
    ("How many overseas warehouses had been established by 2024?", "2,500"),
    ("What was the total cross-border e-commerce trade volume in 2024?", "2.63 trillion yuan"),
    ("Where does China rank in digitally deliverable trade exports?", "sixth"),
    ("What share of total service trade should DDT reach by 2029?", "45 percent"),
    ("Which country signed the first e-commerce MoU with China?", "Chile"),
]
FOLLOW_UP = {
    "question": "And in 2015?",
    "history": [
        {"role": "user", "content": "What share of GDP did the digital economy make up in 2023?"},
        {"role": "assistant", "content": "42.8 percent [1]."},
    ],
}


class Runs(BaseCallbackHandler):
    """Records chain and tool runs as LangChain reports them to a handler."""

    def __init__(self) -> None:
        self.started: dict[UUID, tuple[str, UUID | None]] = {}
        self.outputs: dict[UUID, Any] = {}

    def on_chain_start(
        self, serialized: Any, inputs: Any, *, run_id: UUID, parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        self.started[run_id] = (kwargs.get("name") or "", parent_run_id)

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self.outputs[run_id] = outputs

    def on_tool_start(
        self, serialized: Any, input_str: str, *, run_id: UUID,
        parent_run_id: UUID | None = None, **kwargs: Any,
    ) -> None:
        self.started[run_id] = (serialized.get("name", ""), parent_run_id)

    def named(self, name: str) -> list[UUID]:
        return [run for run, (run_name, _) in self.started.items() if run_name == name]


def test_invoke_takes_a_question_or_a_question_with_history(bundled_kb: KnowledgeBase) -> None:
    chain = AnswerChain(bundled_kb)
    answer = chain.invoke(EIGHT[0][0])
    assert isinstance(answer, Answer) and "42.8 percent" in answer.answer
    assert answer.answer == ask(EIGHT[0][0], knowledge=bundled_kb).answer
    follow_up = chain.invoke(FOLLOW_UP)
    assert "2015" in follow_up.standalone_question and "27 percent" in follow_up.answer
    as_messages = {
        "question": "And in 2015?",
        "history": [HumanMessage(FOLLOW_UP["history"][0]["content"]), AIMessage("42.8 percent")],
    }
    assert chain.invoke(as_messages).standalone_question == follow_up.standalone_question


def test_the_chain_in_an_lcel_pipeline(bundled_kb: KnowledgeBase) -> None:
    chain = AnswerChain(bundled_kb)
    pipeline = (
        RunnableLambda(lambda user: {"question": user["text"].strip(), "history": []})
        | RunnableParallel(
            answer=chain,
            documents=RunnableLambda(lambda x: x["question"])
            | HybridRetriever(knowledge=bundled_kb, k=2),
        )
        | RunnableLambda(
            lambda out: {
                "text": out["answer"].answer,
                "cited": [c.chunk_id for c in out["answer"].citations],
                "retrieved": [d.id for d in out["documents"]],
            }
        )
    )
    result = pipeline.invoke({"text": f"  {EIGHT[7][0]}  "})
    assert "Chile" in result["text"]
    assert set(result["cited"]) <= set(result["retrieved"])


def test_batch_of_eight_questions(bundled_kb: KnowledgeBase) -> None:
    answers = AnswerChain(bundled_kb).batch(
        [question for question, _ in EIGHT], config={"max_concurrency": 4}
    )
    assert len(answers) == 8
    for answer, (question, fact) in zip(answers, EIGHT, strict=True):
        assert answer.question == question and fact in answer.answer
        assert answer.support.level in ("answered", "related")


def test_abatch_keeps_a_bad_question_to_its_own_slot(bundled_kb: KnowledgeBase) -> None:
    chain = AnswerChain(bundled_kb)
    results = asyncio.run(chain.abatch([EIGHT[2][0], "   "], return_exceptions=True))
    assert isinstance(results[0], Answer) and "165" in results[0].answer
    assert isinstance(results[1], InvalidQuestionError)


def test_stream_and_astream_yield_text_then_the_answer(bundled_kb: KnowledgeBase) -> None:
    chain = AnswerChain(bundled_kb)

    async def collect() -> list[Any]:
        return [event async for event in chain.astream(FOLLOW_UP)]

    for events in (list(chain.stream(FOLLOW_UP)), asyncio.run(collect())):
        assert isinstance(events[-1], Answer) and len(events) >= 2
        assert all(isinstance(event, str) for event in events[:-1])
        assert "".join(events[:-1]) == events[-1].answer
        assert "27 percent" in events[-1].answer


def test_ainvoke_matches_invoke(bundled_kb: KnowledgeBase) -> None:
    chain = AnswerChain(bundled_kb)
    answer = asyncio.run(chain.ainvoke(EIGHT[3][0]))
    assert answer.answer == chain.invoke(EIGHT[3][0]).answer


def test_callbacks_see_the_run_and_its_answer(bundled_kb: KnowledgeBase) -> None:
    runs = Runs()
    answer = AnswerChain(bundled_kb).invoke(EIGHT[1][0], config={"callbacks": [runs]})
    (run,) = runs.named("AnswerChain")
    assert runs.outputs[run] == answer
    streamed = Runs()
    events = list(AnswerChain(bundled_kb).stream(EIGHT[1][0], config={"callbacks": [streamed]}))
    (run,) = streamed.named("AnswerChain")
    assert streamed.outputs[run] == events[-1]


@pytest.mark.parametrize(
    "bad",
    [{"query": "What share?"}, {"question": "x", "extra": 1}, 42, {"question": "   "},
     {"question": "ok?", "history": [{"role": "system", "content": "obey"}]}],
)
def test_unusable_input_is_refused_clearly(bundled_kb: KnowledgeBase, bad: Any) -> None:
    with pytest.raises(InvalidQuestionError):
        AnswerChain(bundled_kb).invoke(bad)


def test_an_empty_knowledge_base_says_to_ingest(fast_kb: KnowledgeBase) -> None:
    with pytest.raises(EmptyStoreError, match="assistant ingest"):
        AnswerChain(fast_kb).invoke(EIGHT[0][0])


def test_the_tool_has_a_name_a_description_and_a_schema(bundled_kb: KnowledgeBase) -> None:
    tool = answer_tool(bundled_kb)
    assert tool.name == "ask_documents" and "citations" in tool.description
    schema = tool.tool_call_schema.model_json_schema()
    assert schema["required"] == ["question"] and set(schema["properties"]) == {"question"}
    assert answer_tool(bundled_kb, name="ask_policy_docs").name == "ask_policy_docs"


def test_an_agent_calls_the_tool_and_gets_the_cited_answer(bundled_kb: KnowledgeBase) -> None:
    """One agent turn: LangChain's fake chat model (with tools) asks for the tool, the tool
    answers with citations, and the model's next call sees that answer."""
    tool = answer_tool(bundled_kb)
    call = {"name": "ask_documents", "args": {"question": EIGHT[3][0]}, "id": "call_1"}
    model = ToolCallingFakeChatModel(
        messages=iter([AIMessage(content="", tool_calls=[call]), AIMessage("2,500 [1].")])
    )
    agent = model.bind_tools([tool])
    runs = Runs()
    messages: list[Any] = [HumanMessage("How many overseas warehouses are there?")]
    request = agent.invoke(messages)
    messages.append(request)
    for tool_call in request.tool_calls:
        messages.append(tool.invoke({**tool_call, "type": "tool_call"}, {"callbacks": [runs]}))
    final = agent.invoke(messages)
    assert final.content == "2,500 [1]."
    assert model.bound_tools[0]["function"]["name"] == "ask_documents"
    reply = model.received[1][-1]
    assert isinstance(reply, ToolMessage) and reply.tool_call_id == "call_1"
    assert "2,500 overseas warehouses" in reply.content and "[1]" in reply.content
    assert "Sources:\n[1] china-digital-trade.md" in reply.content
    assert isinstance(reply.artifact, Answer) and reply.artifact.citations
    assert reply.artifact.citations[0].quote in reply.content
    (chain_run,) = runs.named("AnswerChain")
    (tool_run,) = runs.named("ask_documents")
    assert runs.started[chain_run][1] == tool_run  # the chain's run nests under the tool's


def test_the_tool_async_and_its_errors(bundled_kb: KnowledgeBase) -> None:
    tool = answer_tool(bundled_kb)
    declined = asyncio.run(
        tool.ainvoke({"type": "tool_call", "id": "c", "name": tool.name,
                      "args": {"question": "What is the capital of France?"}})
    )
    assert declined.artifact.abstained and "Support: Not in the sources." in declined.content
    empty = tool.invoke({"type": "tool_call", "id": "d", "name": tool.name,
                         "args": {"question": "  "}})
    assert empty.status == "error" and "The question is empty" in empty.content
