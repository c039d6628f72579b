"""One scale measurement: a synthetic corpus of N chunks, ingested into one kind of store.

Run as ``python -m benchmarks.scale --size N --store embedded|server --out FILE``; the runner
starts one process per size and store, so each one's memory is its own.
"""

import argparse
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from assistant import KnowledgeBase, Settings
from assistant.knowledge.embeddings import MiniLMEmbeddings
from assistant.knowledge.ingest import sync
from assistant.search.retrieve import search
from benchmarks.latency import questions
from benchmarks.measure import (
    WORK,
    disk_mb,
    fresh_dir,
    load_average,
    peak_rss_mb,
    percentiles,
    read_json,
    rss_mb,
    stopwatch,
    time_calls,
    write_json,
)
from benchmarks.server import Server, chroma_server
from benchmarks.synthetic import write_corpus

SLICE = 8192
# The model's cost per sentence is flat, so past this many sentences the baseline embeds an
# evenly spread sample and scales it up: at 100k chunks the full baseline would double the run.
BASELINE_SAMPLE = 30_000


def embedding_baseline(embeddings: MiniLMEmbeddings, sentences: list[str]) -> dict[str, float]:
    """Wall and CPU seconds the model alone takes to embed the texts the pipeline embeds."""
    step = max(1, -(-len(sentences) // BASELINE_SAMPLE))
    sample = sentences[::step]
    embeddings.embed_array(sample[:64])
    with stopwatch() as timer:
        for start in range(0, len(sample), SLICE):
            embeddings.embed_array(sample[start : start + SLICE])
    scale = len(sentences) / len(sample)
    return {"s": timer["s"] * scale, "cpu_s": timer["cpu_s"] * scale, "sample": len(sample)}


def settings_for(corpus: Path, data: Path, server: Server | None) -> Settings:
    return Settings(
        knowledge_dir=corpus,
        data_dir=data,
        collection="bench",
        chroma_host=server.host if server else None,
        chroma_port=server.port if server else 8000,
    )


def query_latency(
    settings: Settings, embeddings: MiniLMEmbeddings, rounds: int
) -> tuple[dict[str, Any], float]:
    """Warm p50/p95 of ``search`` and the first query of a newly opened knowledge base.

    The first round meets every passage for the first time (word alignment runs the model on
    its leading units); later rounds find them cached. Both are given apart too, since the
    first round alone makes the p95."""
    asked = questions()
    with stopwatch() as first:
        kb = KnowledgeBase(settings, embeddings=embeddings)
        search(kb, asked[0], settings.top_k)
    timings = time_calls(lambda q: search(kb, q, settings.top_k), asked, rounds)
    summary: dict[str, Any] = {**percentiles(timings)}
    if rounds > 1:
        summary["first_round"] = percentiles(timings[: len(asked)])
        summary["later_rounds"] = percentiles(timings[len(asked) :])
    return summary, round(first["s"] * 1000, 1)


def measure(
    size: int, store: str, rounds: int, embed_baseline: bool, work: Path | None = None
) -> dict[str, Any]:
    work = fresh_dir(work or WORK / f"scale-{size}-{store}")
    sentences = write_corpus(work / "corpus", size)
    embeddings = MiniLMEmbeddings(batch_size=Settings().embed_batch_size)
    result: dict[str, Any] = {"size": size, "store": store, "sentences": len(sentences)}
    result["load_average_start"] = load_average()
    if embed_baseline:
        timer = embedding_baseline(embeddings, sentences)
        result["embed_only_s"] = round(timer["s"], 2)
        result["embed_only_cpu_s"] = round(timer["cpu_s"], 2)
        result["embed_only_sample"] = timer["sample"]
    with ExitStack() as stack:
        server = stack.enter_context(chroma_server(work / "server")) if store == "server" else None
        settings = settings_for(work / "corpus", work / "data", server)
        with stopwatch(*([server.pid] if server else [])) as timer:
            report = sync(KnowledgeBase(settings, embeddings=embeddings))
        result["chunks"] = report.chunks
        result["ingest_s"] = round(timer["s"], 2)
        result["ingest_cpu_s"] = round(timer["cpu_s"], 2)
        result["query"], result["first_query_ms"] = query_latency(settings, embeddings, rounds)
        result["rss_mb"] = rss_mb()
        result["peak_rss_mb"] = peak_rss_mb()
        result["server_rss_mb"] = rss_mb(server.pid) if server else None
    stored = [work / "data"] + ([work / "server"] if store == "server" else [])
    result["disk_mb"] = disk_mb(*stored)
    result["load_average_end"] = load_average()
    result.update(_throughput(result))
    return result


def remeasure_queries(row: dict[str, Any], rounds: int, work: Path) -> dict[str, Any]:
    """Query latency again on the store a previous run of ``measure`` left in ``work``, for a
    change to search that leaves ingest alone; the row keeps its ingest figures."""
    if not (work / "data").exists():
        raise SystemExit(f"no store to query in {work}: run the full measurement first")
    embeddings = MiniLMEmbeddings(batch_size=Settings().embed_batch_size)
    row = {**row, "load_average_start": load_average()}
    with ExitStack() as stack:
        serving = row["store"] == "server"
        server = stack.enter_context(chroma_server(work / "server")) if serving else None
        settings = settings_for(work / "corpus", work / "data", server)
        row["query"], row["first_query_ms"] = query_latency(settings, embeddings, rounds)
        row["server_rss_mb"] = rss_mb(server.pid) if server else None
    row["queries_remeasured"] = True
    row["load_average_end"] = load_average()
    return row


def _throughput(result: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"ingest_chunks_per_s": round(result["chunks"] / result["ingest_s"], 1)}
    if "embed_only_s" in result:
        out["embed_chunks_per_s"] = round(result["chunks"] / result["embed_only_s"], 1)
        out["pipeline_overhead"] = round(result["ingest_s"] / result["embed_only_s"] - 1, 3)
        out["pipeline_overhead_cpu"] = round(
            result["ingest_cpu_s"] / result["embed_only_cpu_s"] - 1, 3
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--store", choices=("embedded", "server"), required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-embed-baseline", action="store_true")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--queries-only",
        type=Path,
        metavar="ROW_JSON",
        help="measure only the queries again, on the store a previous run left behind, and "
        "update that run's row (a JSON file)",
    )
    parser.add_argument("--work", type=Path, help="the previous run's work directory")
    args = parser.parse_args()
    if args.queries_only:
        work = args.work or WORK / f"scale-{args.size}-{args.store}"
        row = remeasure_queries(read_json(args.queries_only), args.rounds, work)
        write_json(args.out, row)
        return
    result = measure(args.size, args.store, args.rounds, not args.no_embed_baseline)
    write_json(args.out, result)


if __name__ == "__main__":
    main()
