"""Benchmarks that ship with Parsl: ``parsl-perf`` (``parsl.benchmark.perf``)."""
