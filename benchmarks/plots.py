"""PNG plots of the scale and quality results (matplotlib, headless)."""

from pathlib import Path
from typing import Any

STORE_STYLE = {"embedded": "o-", "server": "s--"}


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _series(rows: list[dict[str, Any]], store: str, key: str) -> tuple[list[int], list[float]]:
    picked = [r for r in rows if r["store"] == store and r.get(key) is not None]
    return [r["size"] for r in picked], [float(r[key]) for r in picked]


def scale_plots(rows: list[dict[str, Any]], out: Path) -> list[Path]:
    """Query latency, ingest throughput and memory/disk against corpus size."""
    plt = _pyplot()
    for row in rows:
        row["query_p50_ms"], row["query_p95_ms"] = row["query"]["p50_ms"], row["query"]["p95_ms"]
    panels = [
        ("scale_query.png", "search latency (ms)", ["query_p50_ms", "query_p95_ms"]),
        ("scale_ingest.png", "chunks per second", ["ingest_chunks_per_s", "embed_chunks_per_s"]),
        ("scale_memory.png", "MiB", ["peak_rss_mb", "server_rss_mb", "disk_mb"]),
    ]
    written = []
    for name, label, keys in panels:
        figure, axes = plt.subplots(figsize=(6.4, 4))
        for store in sorted({r["store"] for r in rows}):
            for key in keys:
                sizes, values = _series(rows, store, key)
                if values:
                    axes.plot(sizes, values, STORE_STYLE.get(store, "o-"), label=f"{store}: {key}")
        axes.set_xscale("log")
        axes.set_xlabel("corpus size (chunks)")
        axes.set_ylabel(label)
        axes.grid(True, alpha=0.3)
        axes.legend(fontsize=7)
        figure.tight_layout()
        figure.savefig(out / name, dpi=110)
        plt.close(figure)
        written.append(out / name)
    return written


def quality_plot(quality: dict[str, Any], out: Path) -> Path:
    """recall@1, recall@4 and MRR of both pipelines, with and without decoys."""
    plt = _pyplot()
    metrics = ["recall_at_1", "recall_at_4", "mrr"]
    figure, axes = plt.subplots(figsize=(6.4, 4))
    labels, width = [], 0.2
    for index, (corpus, pipeline) in enumerate(
        [(c, p) for c in ("without_decoys", "with_decoys") for p in ("ours", "peer")]
    ):
        values = [quality[corpus][pipeline][m] for m in metrics]
        positions = [m + (index - 1.5) * width for m in range(len(metrics))]
        axes.bar(positions, values, width, label=f"{pipeline}, {corpus.replace('_', ' ')}")
        labels = metrics
    axes.set_xticks(range(len(labels)), [label.replace("_", " ") for label in labels])
    axes.set_ylim(0, 1.05)
    axes.axhline(0.95, color="grey", linewidth=0.8, linestyle=":")
    axes.legend(fontsize=7, loc="lower right")
    axes.set_title("supporting passage retrieved (answerable eval cases)")
    figure.tight_layout()
    figure.savefig(out / "quality.png", dpi=110)
    plt.close(figure)
    return out / "quality.png"
