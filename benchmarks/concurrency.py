"""The chat page as a process of its own, under load: its memory over many ``/ask`` calls, and
question latency while uploads are indexed.

    python -m benchmarks.concurrency                        # 10,000 calls: results/concurrency.json
    python -m benchmarks.concurrency --calls 1000 --out /tmp/concurrency.json

- Memory: one client asks the page's REST API (``/call/ask``) ``calls`` times (the eval fixture
  questions in turn), each call a session of its own; the page's RSS is sampled 20 times. Flat
  after warm-up: the growth from the sample at 10 % of the calls to the largest one after it,
  in KB per call.
- Latency: 16 clients ask at once with nothing else running (idle), then while the page indexes
  3 uploads at once (synthetic documents of 60 passages each, as the Knowledge tab's handler
  does it), then idle again. The p95 of questions asked during the uploads over the p95 of both
  idle windows: the target is at most 2.
"""

import argparse
import json
import random
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import httpx

from benchmarks.latency import questions
from benchmarks.measure import (
    KNOWLEDGE,
    RESULTS,
    WORK,
    fresh_dir,
    load_average,
    machine,
    percentiles,
    read_json,
    rss_mb,
    write_json,
)
from benchmarks.server import free_port

CLIENTS = 16
UPLOADS = 3
UPLOAD_CHUNKS = 60
IDLE_S = 30.0
WARM_UP_S = 10.0
LATENCY_TARGET = 2.0
TIMEOUT_S = 300.0


def serve(knowledge: Path, data: Path, port: int) -> None:
    """The page process: serve the page, then index ``upload`` requests read from stdin the way
    the Knowledge tab does (one thread per file, all at once) and answer ``uploaded SECONDS``."""
    from assistant.config import Settings
    from assistant.interfaces.web import ChatPage, build_app, launch
    from assistant.knowledge.base import KnowledgeBase
    from assistant.knowledge.ingest import sync

    kb = KnowledgeBase(Settings(knowledge_dir=knowledge, data_dir=data))
    sync(kb)
    page = ChatPage.open(kb)
    launch(build_app(page), kb.settings, "127.0.0.1", port, block=False)
    print("ready", flush=True)
    for line in sys.stdin:
        command, *paths = line.split()
        if command != "upload":
            break
        started = time.perf_counter()
        threads = [
            threading.Thread(target=page.knowledge.upload, args=([path], lambda *_: None))
            for path in paths
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        print(f"uploaded {time.perf_counter() - started:.2f}", flush=True)


@contextmanager
def page_process(work: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    knowledge = fresh_dir(work / "knowledge")
    shutil.copy2(KNOWLEDGE / "china-digital-trade.md", knowledge)
    port = free_port()
    command = [sys.executable, "-m", "benchmarks.concurrency", "--serve", str(knowledge),
               str(work / "data"), str(port)]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True)
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        yield process, f"http://127.0.0.1:{port}/"
    finally:
        process.kill()
        process.wait()


def ask(http: httpx.Client, url: str, question: str) -> dict[str, Any]:
    """One question through the page's REST API (``POST /call/ask``, then its event stream):
    each call is a session of its own, as for any script that calls the API."""
    posted = http.post(f"{url}gradio_api/call/ask", json={"data": [question]})
    posted.raise_for_status()
    event = None
    with http.stream("GET", f"{url}gradio_api/call/ask/{posted.json()['event_id']}") as stream:
        for line in stream.iter_lines():
            if line.startswith("event:"):
                event = line.partition(":")[2].strip()
            elif line.startswith("data:") and event == "complete":
                answer: dict[str, Any] = json.loads(line[5:])[0]
                return answer
            elif line.startswith("data:") and event == "error":
                raise RuntimeError(f"the page answered with an error: {line[5:].strip()}")
    raise RuntimeError("the page closed the stream without an answer")


def memory(url: str, pid: int, calls: int) -> dict[str, Any]:
    http, asked = httpx.Client(timeout=TIMEOUT_S), questions()
    every = max(1, calls // 20)
    curve = [{"calls": 0, "rss_mb": rss_mb(pid)}]
    for n in range(1, calls + 1):
        ask(http, url, asked[n % len(asked)])
        if n % every == 0:
            curve.append({"calls": n, "rss_mb": rss_mb(pid)})
    warm = next(p for p in curve if p["calls"] >= calls // 10)
    peak = max(p["rss_mb"] for p in curve if p["calls"] >= warm["calls"])
    growth_kb = (peak - warm["rss_mb"]) * 1024 / max(1, calls - warm["calls"])
    return {"calls": calls, "warm_up_calls": warm["calls"], "curve": curve,
            "after_warm_up_mb": warm["rss_mb"], "peak_after_warm_up_mb": peak,
            "end_mb": curve[-1]["rss_mb"], "growth_kb_per_call": round(growth_kb, 3)}


def flood(url: str, until: threading.Event) -> list[tuple[float, float]]:
    """CLIENTS clients asking until ``until`` is set; (start, end) of every answered question."""
    asked, timings = questions(), list[tuple[float, float]]()

    def client(number: int) -> None:
        http, n = httpx.Client(timeout=TIMEOUT_S), number
        while not until.is_set():
            started = time.monotonic()
            ask(http, url, asked[n % len(asked)])
            timings.append((started, time.monotonic()))
            n += CLIENTS

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings


def _idle(url: str, seconds: float = IDLE_S) -> list[tuple[float, float]]:
    stop = threading.Event()
    threading.Timer(seconds, stop.set).start()
    return flood(url, stop)


def _uploads(work: Path) -> list[str]:
    from benchmarks.synthetic import document, vocabulary

    folder, rng, vocab = fresh_dir(work / "uploads"), random.Random(11), vocabulary()
    paths = []
    for number in range(UPLOADS):
        path = folder / f"upload-{number}.md"
        path.write_text(document(rng, vocab, number, UPLOAD_CHUNKS), encoding="utf-8")
        paths.append(str(path))
    return paths


def during_uploads(url: str, stdin: IO[str], stdout: IO[str], paths: list[str]) -> dict[str, Any]:
    stop, window = threading.Event(), {}
    result: list[list[tuple[float, float]]] = []
    flooding = threading.Thread(target=lambda: result.append(flood(url, stop)))
    flooding.start()
    time.sleep(2)  # every client is asking before the uploads begin
    window["start"] = time.monotonic()
    stdin.write("upload " + " ".join(paths) + "\n")
    stdin.flush()
    line = stdout.readline()
    while not line.startswith("uploaded "):  # the page also prints its notices
        line = stdout.readline()
    indexed = float(line.split()[1])
    window["end"] = time.monotonic()
    stop.set()
    flooding.join()
    inside = [(s, e) for s, e in result[0] if s >= window["start"] and e <= window["end"]]
    return {"timings": inside, "indexing_s": indexed}


def latency(url: str, process: subprocess.Popen[str], work: Path) -> dict[str, Any]:
    assert process.stdin is not None and process.stdout is not None
    _idle(url, WARM_UP_S)  # each client's first questions: connections, caches
    idle = _idle(url)
    busy = during_uploads(url, process.stdin, process.stdout, _uploads(work))
    idle += _idle(url)
    idle_ms = [(e - s) * 1000 for s, e in idle]
    busy_ms = [(e - s) * 1000 for s, e in busy["timings"]]
    idle_stats, busy_stats = percentiles(idle_ms), percentiles(busy_ms)
    ratio = busy_stats["p95_ms"] / idle_stats["p95_ms"]
    return {"clients": CLIENTS, "uploads": UPLOADS, "upload_chunks": UPLOAD_CHUNKS,
            "idle": idle_stats, "during_uploads": busy_stats, "indexing_s": busy["indexing_s"],
            "p95_ratio": round(ratio, 2), "target": LATENCY_TARGET,
            "met": ratio <= LATENCY_TARGET}


def run(calls: int, out: Path, work: Path, parts: list[str]) -> dict[str, Any]:
    """Measure ``parts`` ("latency", "memory"); a part not measured keeps its earlier result."""
    result: dict[str, Any] = read_json(out) if out.exists() else {}
    result["machine"] = machine()
    if "latency" in parts:
        with page_process(fresh_dir(work / "latency")) as (process, url):
            result["latency"] = {**latency(url, process, work), "load_average": load_average()}
    if "memory" in parts:
        with page_process(fresh_dir(work / "memory")) as (process, url):
            result["memory"] = {**memory(url, process.pid, calls), "load_average": load_average()}
    write_json(out, result)
    return result


def concurrency_lines(result: dict[str, Any]) -> list[str]:
    """RESULTS.md's section: question latency during uploads, memory over many calls."""
    lines = ["## The page under load: latency during uploads, memory over many calls", ""]
    if "latency" in result:
        lat = result["latency"]
        idle, busy = lat["idle"], lat["during_uploads"]
        lines += [
            "| questions asked by 16 clients | n | p50 ms | p95 ms |",
            "| --- | ---: | ---: | ---: |",
            f"| idle | {idle['n']} | {idle['p50_ms']:,.0f} | {idle['p95_ms']:,.0f} |",
            f"| during {lat['uploads']} uploads of {lat['upload_chunks']} passages "
            f"({lat['indexing_s']:.0f} s) | {busy['n']} | {busy['p50_ms']:,.0f} | "
            f"{busy['p95_ms']:,.0f} |",
            "",
            f"p95 during uploads over idle: {lat['p95_ratio']:.2f}× (target ≤ "
            f"{lat['target']:g}×: {'met' if lat['met'] else '**not met**'}); load average "
            f"{lat['load_average'][0]:.1f}.",
            "",
        ]
    if "memory" in result:
        mem = result["memory"]
        lines += [
            f"RSS of the page over {mem['calls']:,} `/ask` calls (each a new session): "
            f"{mem['curve'][0]['rss_mb']:.0f} MB before, {mem['after_warm_up_mb']:.0f} MB after "
            f"{mem['warm_up_calls']:,} calls, {mem['peak_after_warm_up_mb']:.0f} MB at most "
            f"after that: {mem['growth_kb_per_call']:.2f} KB per call.",
            "",
        ]
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.concurrency", description=__doc__)
    parser.add_argument("--calls", type=int, default=10_000, help="/ask calls for the memory")
    parser.add_argument("--out", type=Path, default=RESULTS / "concurrency.json")
    parser.add_argument("--only", default="latency,memory", help="latency, memory or both")
    parser.add_argument("--serve", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(Path(args.serve[0]), Path(args.serve[1]), int(args.serve[2]))
        return
    result = run(args.calls, args.out, WORK / "concurrency", args.only.split(","))
    print(result.get("latency"))
    print({k: v for k, v in result.get("memory", {}).items() if k != "curve"})


if __name__ == "__main__":
    main()
