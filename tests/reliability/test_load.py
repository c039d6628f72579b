"""Load held: 50 questions at once through ``ask`` while an ingest runs, 20 users at once on the
chat page, and memory over 1,000 questions (the RSS curve is kept in tests/artifacts/)."""

import json
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client

from assistant.answer.core import ask
from assistant.config import Settings
from assistant.interfaces.web import ChatPage
from assistant.knowledge import embeddings
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.ingest import sync
from assistant.types import Answer
from tests.interfaces.test_web_client import QUESTIONS
from tests.interfaces.web_doubles import launched
from tests.reliability.cases import GDP

ARTIFACT = Path(__file__).resolve().parents[1] / "artifacts" / "rss-curve.json"
MEMORY_QUESTIONS = 1000
WARM_UP = 200
SAMPLE_EVERY = 50
GROWTH_BOUND = 0.25  # after warm-up, RSS may grow by at most a quarter


def cited(answer: Answer) -> bool:
    return not answer.abstained and bool(answer.citations) and "[1]" in answer.answer


@pytest.fixture
def real_kb(settings: Settings) -> KnowledgeBase:
    """The bundled article with the real ONNX embeddings, in a store this test may change."""
    kb = KnowledgeBase(settings)
    sync(kb)
    return kb


def test_fifty_concurrent_questions_share_one_knowledge_base(real_kb: KnowledgeBase) -> None:
    folder = real_kb.settings.knowledge_dir
    for n in range(5):
        (folder / f"depot-{n}.md").write_text(
            f"# Depot {n}\n\nThe depot in zone {n} stores {n + 7} thousand pallets of zinc.\n"
        )
    questions = [QUESTIONS[i % len(QUESTIONS)] for i in range(50)]
    start = threading.Barrier(51)

    def answer(question: str) -> Answer:
        start.wait()
        return ask(question, knowledge=real_kb)

    def ingest() -> Any:
        start.wait()
        return sync(real_kb)

    with ThreadPoolExecutor(max_workers=51) as pool:
        ingesting = pool.submit(ingest)
        answers = list(pool.map(answer, questions))
    assert len(ingesting.result().added) == 5
    assert [a.question for a in answers] == questions
    assert all(cited(a) for a in answers)
    assert all("42.8 percent" in a.answer for a in answers if a.question == GDP)
    depot = ask("How many pallets of zinc does the depot in zone 3 store?", knowledge=real_kb)
    assert "10 thousand pallets" in depot.answer


def test_twenty_concurrent_users_on_the_chat_page(bundled_kb: KnowledgeBase) -> None:
    good = [QUESTIONS[i % len(QUESTIONS)] for i in range(18)]
    odd = "\x1b[31m\u202e" + GDP  # control and bidi-override characters: answered
    questions = [*good, odd, "   "]

    def call(url: str, question: str) -> dict[str, Any] | str:
        try:
            result: dict[str, Any] = Client(url, verbose=False).predict(question, api_name="/ask")
            return result
        except Exception as exc:
            return str(exc)

    with launched(ChatPage.open(bundled_kb)) as url, ThreadPoolExecutor(20) as pool:
        results = list(pool.map(lambda q: call(url, q), questions))
    *answers, empty = results
    assert isinstance(empty, str) and "The question is empty" in empty
    assert all(isinstance(a, dict) for a in answers), answers
    checked = [Answer.model_validate(a) for a in answers]
    assert all(cited(a) for a in checked)
    assert checked[-1].question.endswith(GDP) and "42.8 percent" in checked[-1].answer


def test_a_cold_start_under_load_loads_the_model_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Eight first questions at once share one ONNX session instead of loading eight."""
    built: list[object] = []

    class Counted(embeddings._Runtime):
        def __init__(self, *args: Any) -> None:
            built.append(self)
            super().__init__(*args)

    monkeypatch.setattr(embeddings, "_RUNTIMES", {})
    monkeypatch.setattr(embeddings, "_Runtime", Counted)
    start = threading.Barrier(8)

    def embed(_: int) -> list[float]:
        start.wait()
        return embeddings.MiniLMEmbeddings().embed_query(GDP)

    with ThreadPoolExecutor(max_workers=8) as pool:
        vectors = list(pool.map(embed, range(8)))
    assert len(built) == 1 and all(v == vectors[0] for v in vectors)


MEMORY_RUN = """
import json, sys
from pathlib import Path
import psutil
from assistant.answer.core import ask
from assistant.config import Settings
from assistant.knowledge.ingest import sync
from assistant.knowledge.base import KnowledgeBase
from tests.interfaces.test_web_client import QUESTIONS

total, every = int(sys.argv[3]), int(sys.argv[4])
kb = KnowledgeBase(Settings(knowledge_dir=Path(sys.argv[1]), data_dir=Path(sys.argv[2])))
sync(kb)
asked = [*QUESTIONS, "How many robots?", "Which treaty mentions bananas?"]
process = psutil.Process()
curve = [{"questions": 0, "rss_mb": round(process.memory_info().rss / 2**20, 1)}]
for n in range(1, total + 1):
    ask(asked[n % len(asked)], knowledge=kb)
    if n % every == 0:
        curve.append({"questions": n, "rss_mb": round(process.memory_info().rss / 2**20, 1)})
print(json.dumps(curve))
"""


def test_memory_stays_flat_over_many_questions(knowledge_dir: Path, tmp_path: Path) -> None:
    """1,000 questions in a process of their own (real ONNX model, real store), RSS sampled
    every 50: after warm-up it stays within a generous bound."""
    run = subprocess.run(
        [sys.executable, "-c", MEMORY_RUN, str(knowledge_dir), str(tmp_path / "data"),
         str(MEMORY_QUESTIONS), str(SAMPLE_EVERY)],
        capture_output=True, text=True, timeout=600, cwd=Path(__file__).resolve().parents[2],
    )
    assert run.returncode == 0, run.stderr[-3000:]
    curve = json.loads(run.stdout.strip().splitlines()[-1])
    warm = next(p["rss_mb"] for p in curve if p["questions"] == WARM_UP)
    peak = max(p["rss_mb"] for p in curve if p["questions"] >= WARM_UP)
    summary = {
        "questions": MEMORY_QUESTIONS, "warm_up": WARM_UP, "start_mb": curve[0]["rss_mb"],
        "after_warm_up_mb": warm, "peak_after_warm_up_mb": peak, "end_mb": curve[-1]["rss_mb"],
        "growth_after_warm_up": round(peak / warm - 1, 4), "bound": GROWTH_BOUND,
    }
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(json.dumps({"summary": summary, "curve": curve}, indent=2))
    print(f"\nRSS over {MEMORY_QUESTIONS} questions: {summary}")
    assert len(curve) == MEMORY_QUESTIONS // SAMPLE_EVERY + 1
    assert peak <= warm * (1 + GROWTH_BOUND), summary
