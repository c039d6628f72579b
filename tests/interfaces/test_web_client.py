"""The served page through gradio_client: the ``/ask`` endpoint, its errors, 20 users at once."""

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from gradio_client import Client

from assistant.interfaces.web import ChatPage
from assistant.interfaces.web_render import EXAMPLES
from assistant.knowledge.base import KnowledgeBase
from tests.interfaces.web_doubles import launched

QUESTIONS = [
    *EXAMPLES["china-digital-trade.md"],
    "How many countries had signed e-commerce MoUs with China by July 2024?",
    "How many cross-border e-commerce pilot zones were established?",
    "What were China's digitally deliverable trade exports in 2023?",
    "How many overseas warehouses had Chinese companies established by 2024?",
    "What share of global cross-border online orders did AliExpress, Shein and Temu account for?",
    "When did China sign its first e-commerce memorandum of understanding, and with whom?",
]


@pytest.fixture(scope="module")
def url(bundled_kb: KnowledgeBase) -> Iterator[str]:
    with launched(ChatPage.open(bundled_kb)) as served:
        yield served


def ask(url: str, question: str) -> dict[str, Any]:
    result: dict[str, Any] = Client(url, verbose=False).predict(question, api_name="/ask")
    return result


def test_ask_returns_the_answer_as_json(url: str) -> None:
    answer = ask(url, "What share of China's GDP was the digital economy in 2023?")
    assert "42.8 percent" in answer["answer"] and "[1]" in answer["answer"]
    assert answer["citations"][0]["source"] == "china-digital-trade.md"
    assert answer["verification"]["status"] == "verified" and answer["mode"] == "extractive"


def test_every_example_question_gets_a_verified_cited_answer(url: str) -> None:
    for question in EXAMPLES["china-digital-trade.md"]:
        answer = ask(url, question)
        assert answer["citations"] and answer["verification"]["status"] == "verified", question


def test_the_api_lists_only_ask(url: str) -> None:
    endpoints = Client(url, verbose=False).view_api(print_info=False, return_format="dict")
    assert list(endpoints["named_endpoints"]) == ["/ask"]


def test_a_bad_question_comes_back_as_its_message(url: str) -> None:
    with pytest.raises(Exception, match="The question is empty"):
        ask(url, "   ")


def test_twenty_users_at_once_all_get_cited_answers(url: str) -> None:
    questions = [QUESTIONS[i % len(QUESTIONS)] for i in range(20)]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda q: ask(url, q), questions))
    wall = time.perf_counter() - started
    cited = sum(bool(a["citations"]) for a in answers)
    print(f"\n20 concurrent users: {cited}/20 cited answers in {wall:.2f} s")
    assert [a["question"] for a in answers] == questions
    assert all(not a["abstained"] and a["citations"] for a in answers)
    assert all("[1]" in a["answer"] for a in answers)
