"""One knowledge base, several processes: a running chat page (`assistant chat`) follows what
`assistant ingest` in another process adds, changes and removes, while questions stream in;
a deleted file is never cited; two writers take turns.

Delays are measured and kept in tests/artifacts/processes-*.json (the README quotes them); the
tests only poll them against a generous deadline."""

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client

from benchmarks.server import free_port
from tests.conftest import copy_bundled
from tests.reliability.cases import GDP
from tests.reliability.test_bad_questions import run_cli

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
ROUNDS = 20
DEADLINE_S = 60.0  # generous: the measured delays are in the artifact, not asserted


def depot(n: int) -> tuple[str, str, str]:
    """(file name, text, question) of the document added in round ``n``."""
    text = f"# Depot {n}\n\nThe depot in zone {n} stores {n + 7} thousand pallets of zinc.\n"
    return f"depot-{n}.md", text, f"How many pallets of zinc does the depot in zone {n} store?"


FERRY_QUESTION = "How many boats a day does the harbour ferry line run?"


def ferry(n: int) -> str:
    return f"# Ferry timetable\n\nThe harbour ferry line runs {3 * n + 5} boats a day.\n"


def environment(knowledge: Path, data: Path, server: tuple[str, int] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "OPENAI_"))}
    env |= {"ASSISTANT_KNOWLEDGE_DIR": str(knowledge), "ASSISTANT_DATA_DIR": str(data)}
    if server:
        env |= {"ASSISTANT_CHROMA_HOST": server[0], "ASSISTANT_CHROMA_PORT": str(server[1]),
                "ASSISTANT_COLLECTION": f"processes_{os.getpid()}_{time.time_ns()}"}
    return env


class ChatProcess:
    """`assistant chat` in a process of its own, and a client for its /ask API."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        command = [str(Path(sys.executable).with_name("assistant")), "chat", "--port",
                   str(self.port)]
        self.log = log.open("w")
        self.process = subprocess.Popen(command, env=env, stdout=self.log, stderr=self.log)
        self.client = self._connect()

    def _connect(self) -> Client:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"assistant chat exited with {self.process.returncode}")
            try:
                return Client(self.url, verbose=False)
            except Exception:
                time.sleep(0.5)
        raise AssertionError("assistant chat did not answer within 180 s")

    def ask(self, question: str, client: Client | None = None) -> dict[str, Any]:
        answer: dict[str, Any] = (client or self.client).predict(question, api_name="/ask")
        return answer

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@pytest.fixture
def chat_process(request: pytest.FixtureRequest) -> Iterator[Callable[..., ChatProcess]]:
    started: list[ChatProcess] = []

    def start(env: dict[str, str], log: Path) -> ChatProcess:
        started.append(ChatProcess(env, log))
        return started[-1]

    yield start
    for process in started:
        process.stop()


class QuestionStream:
    """Questions asked one after another in a thread, each failure kept with its message."""

    def __init__(self, page: ChatProcess) -> None:
        self.page, self.asked, self.failures = page, 0, []  # type: ignore[var-annotated]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        client = Client(self.page.url, verbose=False)
        while not self._stop.is_set():
            try:
                answer = self.page.ask(GDP, client)
                if "42.8 percent" not in answer["answer"]:
                    self.failures.append(f"wrong answer: {answer['answer'][:200]}")
            except Exception as exc:
                self.failures.append(f"{type(exc).__name__}: {exc}")
            self.asked += 1

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=120)


def cited(answer: dict[str, Any]) -> set[str]:
    return {c["source"] for c in answer["citations"]}


def first_visible(page: ChatProcess, checks: list[Callable[[Client], bool]], since: float) -> float:
    """Seconds from ``since`` until every check held, each polled by its own client at once;
    a check's time is when the question that first saw the change was sent."""
    seen: list[float] = []

    def poll(check: Callable[[Client], bool]) -> None:
        client = Client(page.url, verbose=False)
        while time.monotonic() - since < DEADLINE_S:
            sent = time.monotonic()
            if check(client):
                seen.append(sent - since)
                return
            time.sleep(0.05)

    threads = [threading.Thread(target=poll, args=(check,)) for check in checks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == len(checks), "a change was not visible in time"
    return max(0.0, *seen)


def changes(page: ChatProcess, n: int) -> list[Callable[[Client], bool]]:
    """Round ``n``'s checks: its depot is answered, the ferry's new figure is, and the previous
    round's depot is no longer cited."""
    _, _, question = depot(n)
    gone, _, gone_question = depot(n - 1)
    return [
        lambda c: f"{n + 7} thousand pallets" in page.ask(question, c)["answer"],
        lambda c: f"{3 * n + 5} boats" in page.ask(FERRY_QUESTION, c)["answer"],
        lambda c: gone not in cited(page.ask(gone_question, c)),
    ]


def follow_cli_ingests(
    tmp_path: Path, chat_process: Callable[..., ChatProcess], server: tuple[str, int] | None,
    name: str,
) -> None:
    knowledge, data = copy_bundled(tmp_path / "knowledge"), tmp_path / "data"
    (knowledge / "ferry.md").write_text(ferry(0), encoding="utf-8")
    env = environment(knowledge, data, server)
    page = chat_process(env, tmp_path / "chat.log")
    stream = QuestionStream(page)
    delays, ingests = [], []
    try:
        for n in range(1, ROUNDS + 1):
            file_name, text, _ = depot(n)
            (knowledge / file_name).write_text(text, encoding="utf-8")
            (knowledge / "ferry.md").write_text(ferry(n), encoding="utf-8")
            gone = knowledge / depot(n - 1)[0]
            gone.unlink(missing_ok=True)
            started = time.monotonic()
            result = run_cli(env, "ingest")
            assert result.returncode == 0, result.stderr[-2000:]
            ingests.append(time.monotonic() - started)
            delays.append(first_visible(page, changes(page, n), time.monotonic()))
    finally:
        stream.stop()
    summary = {
        "rounds": ROUNDS, "store": name, "questions_streamed": stream.asked,
        "failed_questions": len(stream.failures), "visible_after_ingest_s": {
            "median": round(statistics.median(delays), 3), "max": round(max(delays), 3),
            "all": [round(d, 3) for d in delays],
        },
        "cli_ingest_s_median": round(statistics.median(ingests), 2),
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"processes-{name}.json").write_text(json.dumps(summary, indent=2))
    print(f"\n{name}: {summary}")
    assert stream.failures == [], stream.failures[:5]
    assert stream.asked > ROUNDS


def test_a_running_page_follows_cli_ingests_embedded(
    tmp_path: Path, chat_process: Callable[..., ChatProcess]
) -> None:
    follow_cli_ingests(tmp_path, chat_process, None, "embedded")


def test_a_running_page_follows_cli_ingests_against_chroma_run(
    tmp_path: Path, chat_process: Callable[..., ChatProcess], chroma_server: tuple[str, int]
) -> None:
    follow_cli_ingests(tmp_path, chat_process, chroma_server, "server")


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    """The bundled article plus one depot, ingested by the CLI (real model)."""
    knowledge = copy_bundled(tmp_path / "knowledge")
    name, text, _ = depot(1)
    (knowledge / name).write_text(text, encoding="utf-8")
    env = environment(knowledge, tmp_path / "data", None)
    assert run_cli(env, "ingest").returncode == 0
    return env


def ask_cli(env: dict[str, str], question: str) -> dict[str, Any]:
    result = run_cli(env, "ask", "--json", question)
    assert result.returncode == 0, result.stderr[-2000:]
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


def test_a_deleted_file_is_never_cited(
    cli_env: dict[str, str], chat_process: Callable[..., ChatProcess], tmp_path: Path
) -> None:
    page = chat_process(cli_env, tmp_path / "chat.log")
    name, _, question = depot(1)
    assert name in cited(page.ask(question)) and name in cited(ask_cli(cli_env, question))
    (Path(cli_env["ASSISTANT_KNOWLEDGE_DIR"]) / name).unlink()  # no ingest after this
    assert name not in cited(ask_cli(cli_env, question))
    assert name not in cited(page.ask(question))
    assert "42.8 percent" in page.ask(GDP)["answer"]


def test_remove_then_restore_gives_the_same_answers(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    from assistant.config import Settings
    from assistant.interfaces.web import ChatPage
    from assistant.knowledge.base import KnowledgeBase

    name, _, question = depot(1)
    before = ask_cli(cli_env, question)
    settings = Settings(knowledge_dir=Path(cli_env["ASSISTANT_KNOWLEDGE_DIR"]),
                        data_dir=Path(cli_env["ASSISTANT_DATA_DIR"]))
    page = ChatPage.open(KnowledgeBase(settings))
    *_, pending = page.knowledge.ask_remove(name, "trash")
    page.knowledge.remove(pending)
    assert name not in cited(ask_cli(cli_env, question))
    listed = run_cli(cli_env, "sources", "--trash")
    assert name in listed.stdout and "in the trash" in listed.stdout
    restored = run_cli(cli_env, "sources", "--restore", name)
    assert restored.returncode == 0 and f"Restored {name}: 1 passages." in restored.stderr
    after = ask_cli(cli_env, question)
    assert (after["answer"], after["citations"]) == (before["answer"], before["citations"])
    again = run_cli(cli_env, "sources", "--restore", name)
    assert again.returncode == 1 and f"Nothing named {name} was removed" in again.stderr


def test_a_second_ingest_waits_for_the_first(cli_env: dict[str, str]) -> None:
    from assistant.knowledge.locks import data_dir_locks

    (Path(cli_env["ASSISTANT_KNOWLEDGE_DIR"]) / "late.md").write_text(
        "# Late\n\nThe late train left at 9.\n", encoding="utf-8"
    )
    locks = data_dir_locks(Path(cli_env["ASSISTANT_DATA_DIR"]))
    with locks.writer(wait_seconds=0):
        impatient = run_cli({**cli_env, "ASSISTANT_INGEST_WAIT_SECONDS": "1"}, "ingest")
        command = [str(Path(sys.executable).with_name("assistant")), "ingest"]
        waiting = subprocess.Popen(command, env=cli_env, stderr=subprocess.PIPE, text=True)
        time.sleep(5)
        assert waiting.poll() is None, "the second ingest waits while the first holds the lock"
    stderr = " ".join(waiting.communicate(timeout=300)[1].split())
    refused = " ".join(impatient.stderr.split())
    assert impatient.returncode == 1 and "Traceback" not in refused
    assert f"Another process (pid {os.getpid()}, " in refused
    assert "is still ingesting into" in refused and "(ASSISTANT_INGEST_WAIT_SECONDS)" in refused
    assert waiting.returncode == 0 and "waiting for it to finish" in stderr
