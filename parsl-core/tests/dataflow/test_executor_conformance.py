"""The core's ThreadPoolExecutor passes the executor conformance kit that plugins run."""

from __future__ import annotations

import pytest

from parsl.executors.threads import ThreadPoolExecutor
from parsl.testing.executors import ExecutorConformance


class TestThreadPoolConformance(ExecutorConformance):
    shutdown_cancels_running = False  # shutdown lets queued and running tasks finish, like the stdlib pool
    serializes_results = False        # tasks share the process: results are the objects themselves

    @pytest.fixture
    def executor(self) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(max_threads=4)
