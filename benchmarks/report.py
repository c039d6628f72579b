"""RESULTS.md: every target with its measured value, from the JSON results of a run."""

from pathlib import Path
from typing import Any

from benchmarks.measure import read_json
from benchmarks.plots import quality_plot, scale_plots

QUERY_P95_TARGETS_MS = {10_000: 50.0, 100_000: 150.0}
OVERHEAD_TARGET = 0.15
COLD_START_TARGET_S = 2.0


def _load(out: Path, name: str) -> dict[str, Any] | None:
    path = out / f"{name}.json"
    return read_json(path) if path.exists() else None


def _verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def quality_lines(quality: dict[str, Any]) -> list[str]:
    lines = [
        "## Retrieval quality against the LangChain tutorial pipeline",
        "",
        "| corpus | pipeline | chunks | recall@1 | recall@k | MRR | context chars |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for corpus in ("without_decoys", "with_decoys"):
        for pipeline in ("ours", "ours_k4", "peer"):
            if pipeline not in quality[corpus]:
                continue
            row = quality[corpus][pipeline]
            lines.append(
                f"| {corpus.replace('_', ' ')} | {pipeline.split('_')[0]} (k={row['k']}) | "
                f"{row['chunks_in_corpus']} | {row['recall_at_1']:.3f} | {row['recall_at_4']:.3f} "
                f"| {row['mrr']:.3f} | {row['context_chars_mean']:,.0f} |"
            )
    ours, peer = quality["with_decoys"]["ours"], quality["with_decoys"]["peer"]
    ratio = ours["context_chars_mean"] / peer["context_chars_mean"]
    cases = ours["cases"]
    lines += [
        "",
        f"{cases} answerable eval cases. Target with decoys: recall@1 ≥ 0.95 — "
        f"{ours['recall_at_1']:.3f} ({_verdict(ours['recall_at_1'] >= 0.95)}; peer "
        f"{peer['recall_at_1']:.3f}); context ≤ 0.5 × the peer's — {ratio:.2f} × "
        f"({_verdict(ratio <= 0.5)}).",
        "",
        "![quality](quality.png)",
        "",
    ]
    return lines


def latency_lines(latency: dict[str, Any]) -> list[str]:
    warm, cold = latency["warm"], latency["cold_start"]
    heavy = list(cold["imports"]["heavy_top_level_ms"].items())[:6]
    rows = [("`ask` (extractive, warm)", warm["ask"]), ("`search` alone", warm["search"]),
            ("peer retrieval (`similarity_search`, k=4)", warm["peer_retrieval"])]
    lines = [
        "## Latency on the bundled corpus",
        "",
        "| call | p50 ms | p95 ms | n |",
        "| --- | ---: | ---: | ---: |",
        *[f"| {name} | {v['p50_ms']} | {v['p95_ms']} | {v['n']} |" for name, v in rows],
        "",
        f"`ask` / peer retrieval: p50 {warm['ask_over_peer_retrieval']['p50']}×, p95 "
        f"{warm['ask_over_peer_retrieval']['p95']}×; `search` / peer retrieval: p50 "
        f"{warm['search_over_peer_retrieval']['p50']}×, p95 "
        f"{warm['search_over_peer_retrieval']['p95']}×.",
        "",
        f"Cold start of {cold['command']} (median of {len(cold['runs_s'])}): "
        f"{cold['median_s']:.2f} s, target ≤ {COLD_START_TARGET_S} s "
        f"({_verdict(cold['median_s'] <= COLD_START_TARGET_S)}); peak RSS "
        f"{cold['peak_rss_mb']:.0f} MiB. Heaviest imports (ms): "
        + ", ".join(f"{name} {ms:.0f}" for name, ms in heavy)
        + ". Forbidden modules imported: "
        + (", ".join(cold["imports"]["forbidden_imported"]) or "none")
        + f". Load average at the end: {latency['load_average_end']}.",
        "",
    ]
    return lines


def _overhead(row: dict[str, Any]) -> str:
    if "pipeline_overhead" not in row:
        return "–"
    return f"{row['pipeline_overhead']:+.0%} wall, {row['pipeline_overhead_cpu']:+.0%} CPU"


def scale_lines(scale: dict[str, Any]) -> list[str]:
    lines = [
        "## Scale: synthetic corpora",
        "",
        "| store | chunks | ingest chunks/s | embedding alone chunks/s | pipeline overhead | "
        "query p50 ms | p95 ms | first query ms | peak RSS MiB | server RSS MiB | disk MiB | "
        "load avg |",
        "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in scale["rows"]:
        lines.append(
            f"| {row['store']} | {row['chunks']:,} | {row['ingest_chunks_per_s']} | "
            f"{row.get('embed_chunks_per_s', '–')} | {_overhead(row)} | "
            f"{row['query']['p50_ms']} | {row['query']['p95_ms']} | {row['first_query_ms']} | "
            f"{row['peak_rss_mb']:.0f} | {row['server_rss_mb'] or '–'} | {row['disk_mb']} | "
            f"{row['load_average_start'][0]}→{row['load_average_end'][0]} |"
        )
    lines += ["", *scale_targets(scale["rows"]), *sampled_baselines(scale["rows"])]
    lines += [*remeasured(scale["rows"]), *alignment_off(scale.get("word_alignment_off", []))]
    lines += [*missing_sizes(scale["rows"]), ""]
    lines += ["![query](scale_query.png) ![ingest](scale_ingest.png) ![memory](scale_memory.png)"]
    return [*lines, ""]


def scale_targets(rows: list[dict[str, Any]]) -> list[str]:
    notes = []
    for row in rows:
        target = QUERY_P95_TARGETS_MS.get(row["size"])
        if target is not None:
            p95 = row["query"]["p95_ms"]
            notes.append(
                f"- query p95 at {row['size']:,} chunks, {row['store']}: {p95} ms, target ≤ "
                f"{target:.0f} ms ({_verdict(p95 <= target)})"
            )
        if "pipeline_overhead_cpu" in row:
            overhead = row["pipeline_overhead_cpu"]
            notes.append(
                f"- ingest overhead over embedding at {row['size']:,} chunks, {row['store']}: "
                f"{overhead:+.0%} CPU ({row['pipeline_overhead']:+.0%} wall), target ≤ +15% "
                f"({_verdict(overhead <= OVERHEAD_TARGET)})"
            )
    return notes


def sampled_baselines(rows: list[dict[str, Any]]) -> list[str]:
    """Rows whose embedding-alone time was measured on a sample and scaled to the corpus."""
    return [
        f"- embedding alone at {row['size']:,} chunks, {row['store']}: measured on "
        f"{row['embed_only_sample']:,} of {row['sentences']:,} sentences, scaled up"
        for row in rows
        if row.get("embed_only_sample", row["sentences"]) < row["sentences"]
    ]


def remeasured(rows: list[dict[str, Any]]) -> list[str]:
    """Rows whose queries were measured again (``--queries-only``) after a change to search."""
    again = [
        f"{r['size']:,} {r['store']} ({r['query']['n']} searches)"
        for r in rows
        if r.get("queries_remeasured")
    ]
    if not again:
        return []
    listing = ", ".join(again)
    return [f"- queries measured again on the stored corpora after a change to search: {listing}"]


def alignment_off(rows: list[dict[str, Any]]) -> list[str]:
    """The same queries with ``ASSISTANT_WORD_ALIGNMENT=false``, for the latency it costs."""
    return [
        f"- without word alignment at {r['size']:,} chunks, {r['store']}: query p50 "
        f"{r['query']['p50_ms']} ms, p95 {r['query']['p95_ms']} ms"
        for r in rows
    ]


def missing_sizes(rows: list[dict[str, Any]]) -> list[str]:
    """Sizes of the full mode that have no row, so a partial run says what it left out."""
    from benchmarks.run import FULL_SIZES, STORES

    missing = [
        f"{size:,} chunks ({store})"
        for size in FULL_SIZES
        for store in STORES
        if not any(r["size"] == size and r["store"] == store for r in rows)
    ]
    if not missing:
        return []
    return [
        f"- not measured in this run: {', '.join(missing)} — "
        "`python -m benchmarks --only scale --sizes 100000` adds them to these rows"
    ]


def write_report(out: Path) -> Path:
    """Write RESULTS.md and the plots for whichever results exist in ``out``."""
    lines = ["# Benchmark results", "", "Written by `python -m benchmarks`; see the README.", ""]
    quality, latency, scale = _load(out, "quality"), _load(out, "latency"), _load(out, "scale")
    if quality:
        quality_plot(quality, out)
        lines += quality_lines(quality)
    if latency:
        lines += latency_lines(latency)
    library = _load(out, "library")
    if library:
        from benchmarks.library import library_lines

        lines += library_lines(library)
    if scale and scale["rows"]:
        scale_plots(scale["rows"], out)
        lines += scale_lines(scale)
    concurrency = _load(out, "concurrency")
    if concurrency:
        from benchmarks.concurrency import concurrency_lines

        lines += concurrency_lines(concurrency)
    path = out / "RESULTS.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
