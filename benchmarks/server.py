"""A ``chroma run`` server on 127.0.0.1 for the server-mode measurements."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HEARTBEAT_TIMEOUT_S = 60


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    pid: int
    path: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_heartbeat(port: int, process: subprocess.Popen[bytes]) -> None:
    url = f"http://127.0.0.1:{port}/api/v2/heartbeat"
    deadline = time.monotonic() + HEARTBEAT_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"chroma run exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"chroma run did not answer its heartbeat in {HEARTBEAT_TIMEOUT_S} s")


def start_chroma(path: Path, port: int) -> subprocess.Popen[bytes]:
    """Start ``chroma run --path PATH`` on a loopback port; return once it answers."""
    chroma = Path(sys.executable).with_name("chroma")
    process = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    try:
        _wait_for_heartbeat(port, process)
    except RuntimeError:
        process.kill()
        process.wait()
        raise
    return process


@contextmanager
def chroma_server(path: Path) -> Iterator[Server]:
    """A ``chroma run`` on a free loopback port, stopped afterwards."""
    port = free_port()
    process = start_chroma(path, port)
    try:
        yield Server("127.0.0.1", port, process.pid, path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
