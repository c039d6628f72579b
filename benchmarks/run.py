"""Run every benchmark and write ``benchmarks/results/``: JSON, RESULTS.md and plots.

    python -m benchmarks            # full: quality, latency, library, scale at 1k, 10k, 100k chunks
    python -m benchmarks --quick    # a few minutes: scale stops at 1k, results in results/tmp/quick
    python -m benchmarks --only scale --sizes 10000 --stores server   # one part; merged into
                                                                     # the scale rows already there
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.measure import RESULTS, ROOT, WORK, load_average, machine, read_json, write_json

PARTS = ("quality", "latency", "library", "scale")
FULL_SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (1_000,)
STORES = ("embedded", "server")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, fewer rounds")
    parser.add_argument("--only", default=",".join(PARTS), help="comma-separated parts to run")
    parser.add_argument("--sizes", help="comma-separated corpus sizes in chunks")
    parser.add_argument("--stores", default=",".join(STORES), help="embedded,server")
    parser.add_argument("--out", type=Path, help="results folder")
    parser.add_argument(
        "--no-embed-baseline", action="store_true", help="skip the embedding-only run (scale)"
    )
    return parser.parse_args(argv)


def run_quality(out: Path) -> dict[str, Any]:
    from assistant.knowledge.embeddings import MiniLMEmbeddings
    from benchmarks.quality import compare

    embeddings = MiniLMEmbeddings()
    result: dict[str, Any] = {"machine": machine()}
    for name, decoys in (("without_decoys", False), ("with_decoys", True)):
        result[name] = compare(WORK / f"quality-{name}", decoys, embeddings)
    result["load_average_end"] = load_average()
    write_json(out / "quality.json", result)
    return result


def run_latency(out: Path, quick: bool) -> dict[str, Any]:
    from assistant.knowledge.embeddings import MiniLMEmbeddings
    from benchmarks.latency import cold_start, warm
    from benchmarks.peer import PeerPipeline
    from benchmarks.quality import corpus_files, open_knowledge

    files = corpus_files(decoys=False)
    kb = open_knowledge(files, WORK / "latency")
    peer = PeerPipeline(files, MiniLMEmbeddings())
    result: dict[str, Any] = {"machine": machine()}
    result["warm"] = warm(kb, peer, rounds=1 if quick else 3)
    result["cold_start"] = cold_start(
        kb.settings.data_dir, kb.settings.knowledge_dir, runs=3 if quick else 7
    )
    result["load_average_end"] = load_average()
    write_json(out / "latency.json", result)
    return result


def run_scale(out: Path, sizes: list[int], stores: list[str], args: argparse.Namespace) -> None:
    """One child process per size and store; rows are merged into ``scale.json``."""
    path = out / "scale.json"
    rows = read_json(path)["rows"] if path.exists() else []
    for size in sizes:
        for store in stores:
            row_path = WORK / f"scale-{size}-{store}.json"
            command = [
                sys.executable, "-m", "benchmarks.scale", "--size", str(size), "--store", store,
                "--rounds", "1" if args.quick else "3", "--out", str(row_path),
            ]
            if args.no_embed_baseline:
                command.append("--no-embed-baseline")
            print(f"scale: {size:,} chunks, {store} store", flush=True)
            started = time.perf_counter()
            subprocess.run(command, cwd=ROOT, check=True)
            row = {**read_json(row_path), "duration_s": round(time.perf_counter() - started)}
            rows = [r for r in rows if (r["size"], r["store"]) != (size, store)] + [row]
            rows.sort(key=lambda r: (r["store"], r["size"]))
            write_json(path, {"machine": machine(), "rows": rows})


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    out = args.out or (WORK / "quick" if args.quick else RESULTS)
    parts = [part for part in args.only.split(",") if part]
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else None
    started = time.perf_counter()
    if "quality" in parts:
        print("quality: ours against the LangChain tutorial pipeline", flush=True)
        run_quality(out)
    if "latency" in parts:
        print("latency: warm ask, search, peer retrieval, cold start", flush=True)
        run_latency(out, args.quick)
    if "library" in parts:
        print("library: ask() without a knowledge base against a shared one", flush=True)
        from benchmarks.library import run as run_library

        run_library(out, rounds=1 if args.quick else 3)
    if "scale" in parts:
        default = QUICK_SIZES if args.quick else FULL_SIZES
        run_scale(out, sizes or list(default), args.stores.split(","), args)
    if "concurrency" in parts:
        from benchmarks.concurrency import run

        print("concurrency: the page's latency during uploads and memory over many calls")
        calls = 1_000 if args.quick else 10_000
        run(calls, out / "concurrency.json", WORK / "concurrency", ["latency", "memory"])
    from benchmarks.report import write_report

    markdown = write_report(out)
    print(f"done in {time.perf_counter() - started:.0f} s: {markdown}")
