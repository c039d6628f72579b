"""Small measuring helpers shared by the benchmarks: timers, percentiles, memory, disk, machine."""

import json
import os
import platform
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
WORK = RESULTS / "tmp"
KNOWLEDGE = ROOT / "knowledge"
DECOYS = ROOT / "benchmarks" / "decoys"
PACKAGES = ("chromadb", "langchain-chroma", "langchain-text-splitters", "bm25s", "onnxruntime")


def percentiles(values_ms: Sequence[float]) -> dict[str, float]:
    """p50, p95 and mean of a list of milliseconds, rounded for reading."""
    if not values_ms:
        return {"p50_ms": float("nan"), "p95_ms": float("nan"), "mean_ms": float("nan"), "n": 0}
    array = np.asarray(values_ms, dtype=np.float64)
    return {
        "p50_ms": round(float(np.percentile(array, 50)), 2),
        "p95_ms": round(float(np.percentile(array, 95)), 2),
        "mean_ms": round(float(array.mean()), 2),
        "n": len(values_ms),
    }


def time_calls(call: Callable[[str], object], inputs: Sequence[str], rounds: int) -> list[float]:
    """Milliseconds of ``call(x)`` for every input, ``rounds`` times over."""
    timings: list[float] = []
    for _ in range(rounds):
        for value in inputs:
            started = time.perf_counter()
            call(value)
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def cpu_seconds(pid: int | None = None) -> float:
    """User plus system CPU time of a process, all its threads included."""
    import psutil

    times = psutil.Process(pid or os.getpid()).cpu_times()
    return float(times.user + times.system)


@contextmanager
def stopwatch(*pids: int) -> Iterator[dict[str, float]]:
    """``with stopwatch() as t: ...`` then ``t["s"]`` holds the wall seconds taken and
    ``t["cpu_s"]`` the CPU seconds of this process (plus those of ``pids``, e.g. a server).

    CPU time barely moves when other work shares the machine, wall time does.
    """
    result = {"s": 0.0, "cpu_s": 0.0}
    processes = [None, *pids]
    cpu = [cpu_seconds(pid) for pid in processes]
    started = time.perf_counter()
    try:
        yield result
    finally:
        result["s"] = time.perf_counter() - started
        result["cpu_s"] = sum(cpu_seconds(pid) - c for pid, c in zip(processes, cpu, strict=True))


def load_average() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def peak_rss_mb(pid: int | None = None) -> float:
    """Peak resident set size of a process since it started its program (Linux's VmHWM).

    Not ``getrusage``: its maximum carries over the parent's size into a child across
    fork and exec, so a child of a big benchmark process would report the parent's size.
    """
    status = Path(f"/proc/{pid or 'self'}/status").read_text(encoding="ascii")
    kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    return round(int(kib) / 1024, 1)


def rss_mb(pid: int | None = None) -> float:
    import psutil

    return round(psutil.Process(pid or os.getpid()).memory_info().rss / 2**20, 1)


def disk_mb(*paths: Path) -> float:
    """Bytes under the given files and folders, in MiB."""
    total = 0
    for path in paths:
        files = [path] if path.is_file() else (p for p in path.rglob("*") if p.is_file())
        total += sum(p.stat().st_size for p in files)
    return round(total / 2**20, 2)


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average": load_average(),
        "packages": versions,
    }


def fresh_dir(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def write_json(path: Path, payload: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return path


def read_json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
