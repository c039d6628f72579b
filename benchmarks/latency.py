"""Latency on the bundled corpus: warm ``ask``, our retrieval, the peer's retrieval, cold start."""

import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import Any

from assistant import KnowledgeBase, ask
from assistant.search.retrieve import search
from benchmarks.measure import peak_rss_mb, percentiles, time_calls
from benchmarks.peer import PeerPipeline
from evals.cases import load_cases

COLD_QUESTION = "What share of China's GDP was the digital economy in 2023?"
MUST_NOT_IMPORT = ("gradio", "langchain_openai", "slack_bolt", "openai")
HEAVY_MS = 20.0
POLL_S = 0.01
_IMPORT_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|( *)(\S+)")


def questions() -> list[str]:
    """Every fixture question (answerable or not), as users would ask them."""
    return [case.question for case in load_cases()]


def warm(kb: KnowledgeBase, peer: PeerPipeline, rounds: int) -> dict[str, Any]:
    """p50/p95 of ``ask``, of ``search`` and of the peer's similarity search, same questions."""
    asked = questions()
    k = kb.settings.top_k
    for question in asked[:3]:
        ask(question, knowledge=kb)
        peer.retrieve(question)
    ask_ms = percentiles(time_calls(lambda q: ask(q, knowledge=kb), asked, rounds))
    search_ms = percentiles(time_calls(lambda q: search(kb, q, k), asked, rounds))
    peer_ms = percentiles(time_calls(peer.retrieve, asked, rounds))
    return {
        "questions": len(asked),
        "rounds": rounds,
        "ask": ask_ms,
        "search": search_ms,
        "peer_retrieval": peer_ms,
        "ask_over_peer_retrieval": {
            "p50": round(ask_ms["p50_ms"] / peer_ms["p50_ms"], 2),
            "p95": round(ask_ms["p95_ms"] / peer_ms["p95_ms"], 2),
        },
        "search_over_peer_retrieval": {
            "p50": round(search_ms["p50_ms"] / peer_ms["p50_ms"], 2),
            "p95": round(search_ms["p95_ms"] / peer_ms["p95_ms"], 2),
        },
    }


def _env(data_dir: Path, knowledge_dir: Path) -> dict[str, str]:
    """An offline environment pointing at the ingested benchmark corpus."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("ASSISTANT_", "OPENAI_", "SLACK_"))
    }
    env.update(
        ASSISTANT_DATA_DIR=str(data_dir),
        ASSISTANT_KNOWLEDGE_DIR=str(knowledge_dir),
        ORT_DISABLE_TELEMETRY="1",
        ANONYMIZED_TELEMETRY="False",
    )
    return env


@dataclass(frozen=True)
class ChildRun:
    seconds: float
    cpu_seconds: float  # user + system: barely moved by other work on the machine
    peak_rss_mb: float
    stderr: str
    status: int


def run_child(command: Sequence[str], env: dict[str, str]) -> ChildRun:
    """Run one child process to its end; its peak RSS is polled from /proc while it runs."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as stderr:
        child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        peak = 0.0
        while True:
            with suppress(OSError, StopIteration):
                peak = max(peak, peak_rss_mb(child.pid))
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(POLL_S)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        stderr.seek(0)
        cpu = usage.ru_utime + usage.ru_stime
        return ChildRun(seconds, cpu, peak, stderr.read(), child.returncode)


def cold_start(data_dir: Path, knowledge_dir: Path, runs: int) -> dict[str, Any]:
    """``assistant ask "…"`` as a fresh process, several times; the median and each run."""
    command = [str(Path(sys.executable).with_name("assistant")), "ask", COLD_QUESTION]
    env = _env(data_dir, knowledge_dir)
    done = [run_child(command, env) for _ in range(runs)]
    failed = next((run for run in done if run.status != 0), None)
    if failed:
        raise RuntimeError(f"assistant ask failed ({failed.status}): {failed.stderr[-500:]}")
    return {
        "command": f'assistant ask "{COLD_QUESTION}"',
        "runs_s": [round(run.seconds, 3) for run in done],
        "median_s": round(median(run.seconds for run in done), 3),
        "median_cpu_s": round(median(run.cpu_seconds for run in done), 3),
        "peak_rss_mb": max(run.peak_rss_mb for run in done),
        "imports": import_profile(env),
    }


def import_profile(env: dict[str, str]) -> dict[str, Any]:
    """``python -X importtime`` of the same command: the heaviest top-level imports."""
    script = (
        "import sys; from assistant.interfaces.cli import main; "
        f"sys.argv = ['assistant', 'ask', {COLD_QUESTION!r}]; main()"
    )
    stderr = run_child([sys.executable, "-X", "importtime", "-c", script], env).stderr
    modules: dict[str, float] = {}
    heavy: dict[str, float] = {}
    for line in stderr.splitlines():
        match = _IMPORT_LINE.match(line)
        if not match:
            continue
        cumulative_ms, indent, name = int(match[2]) / 1000, len(match[3]), match[4]
        modules[name] = cumulative_ms
        if indent <= 1 and cumulative_ms >= HEAVY_MS:
            root = name.split(".")[0]
            heavy[root] = round(heavy.get(root, 0.0) + cumulative_ms, 1)
    forbidden = sorted(
        {name for name in modules if name.split(".")[0] in MUST_NOT_IMPORT}
    )
    return {
        "modules_imported": len(modules),
        "heavy_top_level_ms": dict(sorted(heavy.items(), key=lambda item: -item[1])),
        "forbidden_imported": forbidden,
    }
