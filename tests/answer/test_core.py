"""The offline answer path end to end, on the bundled article with the real model."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import ask, ask_stream
from assistant.answer.draft import REFUSAL
from assistant.config import Settings
from assistant.errors import EmptyStoreError, InvalidQuestionError
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.chunking import drop_footnote_marks
from assistant.types import Answer
from tests.conftest import ARTICLE

ARTICLE_TEXT = ARTICLE.read_text(encoding="utf-8")

FACTS = [
    ("What share of China's GDP did the digital economy account for in 2023?", "42.8 percent"),
    ("How many countries had signed e-commerce MoUs with China by July 2024?", "33 countries"),
    ("How many cross-border e-commerce pilot zones has China set up?", "165"),
    ("How many overseas warehouses had been established by 2024?", "2,500"),
    ("What was the total cross-border e-commerce trade volume in 2024?", "2.63 trillion yuan"),
    ("Where does China rank in digitally deliverable trade exports?", "sixth"),
    ("What share of total service trade should DDT reach by 2029?", "45 percent"),
    ("Which country signed the first e-commerce MoU with China?", "Chile"),
]


@pytest.mark.parametrize(("question", "fact"), FACTS)
def test_facts_are_answered_with_verbatim_cited_sentences(
    bundled_kb: KnowledgeBase, question: str, fact: str
) -> None:
    answer = ask(question, knowledge=bundled_kb)
    assert not answer.abstained and fact in answer.answer
    assert answer.citations and "[1]" in answer.answer
    assert len(answer.answer) <= 600
    assert answer.verification.status == "verified"
    for citation in answer.citations:
        # Quotes drop footnote marks ("(DDT).2 In 2023" is quoted "(DDT). In 2023").
        assert citation.quote in drop_footnote_marks(ARTICLE_TEXT)
        chunk_quote = citation.chunk_text[
            citation.start - citation.chunk_start : citation.end - citation.chunk_start
        ]
        assert citation.quote in drop_footnote_marks(chunk_quote)


def test_answer_is_json_serialisable_with_stamp_and_timings(bundled_kb: KnowledgeBase) -> None:
    answer = ask("How many overseas warehouses had been established by 2024?", knowledge=bundled_kb)
    data = json.loads(answer.model_dump_json())
    assert data["mode"] == "extractive"
    assert data["stamp"]["corpus_fingerprint"] == bundled_kb.fingerprint()
    assert data["stamp"]["embedding_model"].startswith("all-MiniLM-L6-v2")
    assert data["timings_ms"]["total"] > 0
    assert data["citations"][0]["source"] == "china-digital-trade.md"


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("What was the digital economy's share of GDP in 2010?", "2015 and 2023, not 2010"),
        ("What is India's digital economy share of GDP?", "India"),
        ("What is the capital of France?", ""),
    ],
)
def test_unanswerable_questions_abstain_and_name_the_near_miss(
    bundled_kb: KnowledgeBase, question: str, named: str
) -> None:
    answer = ask(question, knowledge=bundled_kb)
    assert answer.abstained and answer.answer.startswith(REFUSAL)
    assert named in answer.answer
    assert answer.verification.status == "abstained"


def test_follow_up_uses_the_conversation(bundled_kb: KnowledgeBase) -> None:
    history = [
        {"role": "user", "content": "What share of GDP did the digital economy make up in 2023?"},
        {"role": "assistant", "content": "42.8 percent [1]."},
    ]
    answer = ask("And in 2015?", history=history, knowledge=bundled_kb)
    assert "2015" in answer.standalone_question and "27 percent" in answer.answer


def test_stream_yields_text_then_the_answer(bundled_kb: KnowledgeBase) -> None:
    events = list(ask_stream("How many pilot zones were set up?", knowledge=bundled_kb))
    assert isinstance(events[-1], Answer)
    assert "".join(e for e in events[:-1] if isinstance(e, str)) == events[-1].answer


@pytest.mark.parametrize(
    ("question", "says"),
    [("", "empty"), ("   \n\t ", "empty"), ("\x00\x01", "empty"), ("?", "no words"),
     ("?! …", "no words"), ("x" * 2001, "2,001 characters")],
)
def test_bad_questions_are_refused_clearly(
    bundled_kb: KnowledgeBase, question: str, says: str
) -> None:
    with pytest.raises(InvalidQuestionError, match=says):
        ask(question, knowledge=bundled_kb)


def test_control_characters_are_stripped(bundled_kb: KnowledgeBase) -> None:
    answer = ask("How many\x00 pilot\x1b zones were set up?", knowledge=bundled_kb)
    assert answer.question == "How many pilot zones were set up?" and "165" in answer.answer


def test_source_filter_and_k(bundled_kb: KnowledgeBase) -> None:
    answer = ask(
        "How many pilot zones were set up?",
        knowledge=bundled_kb,
        k=2,
        sources=["china-digital-trade.md"],
    )
    assert "165" in answer.answer
    none = ask("How many pilot zones were set up?", knowledge=bundled_kb, sources=["other.md"])
    assert none.abstained


def test_an_empty_store_says_to_ingest(tmp_path: Path) -> None:
    with pytest.raises(EmptyStoreError, match="assistant ingest"):
        ask("anything at all?", settings=Settings(data_dir=tmp_path))


def _cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant.interfaces.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
    )


def test_cli_ask_ingests_when_empty_prints_sources_and_exit_codes(
    settings: Settings, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "ASSISTANT_KNOWLEDGE_DIR": str(settings.knowledge_dir),
        "ASSISTANT_DATA_DIR": str(settings.data_dir),
    }
    done = _cli(["ask", "How many overseas warehouses were there by 2024?"], env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "2,500" in done.stdout and "[1] china-digital-trade.md" in done.stdout
    as_json = json.loads(
        _cli(["ask", "--json", "What was the GDP share in 2010?"], env, tmp_path).stdout
    )
    assert as_json["abstained"] is True
    empty = _cli(["ask", "   "], env, tmp_path)
    assert empty.returncode == 2 and "empty" in empty.stderr and "Traceback" not in empty.stderr
