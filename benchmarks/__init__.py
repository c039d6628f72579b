"""Benchmarks: retrieval quality against the LangChain tutorial pipeline, latency and scale.

Run everything with ``python -m benchmarks`` (``--quick`` for a short run); results go to
``benchmarks/results/``.
"""
