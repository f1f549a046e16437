"""The execution-provider conformance kit: pytest test classes a provider distribution subclasses.

::

    from parsl.testing.providers import ClusterProviderConformance

    class TestSlurm(ClusterProviderConformance):
        cancel_behind_our_back = "scancel {job_id}"

        @pytest.fixture
        def provider(self, tmp_path):
            p = SlurmProvider(exclusive=False)
            p.script_dir = str(tmp_path)
            return p

        @pytest.fixture
        def bad_submit(self, tmp_path):          # a provider the scheduler refuses, and what it says
            p = SlurmProvider(partition="no-such-partition")
            p.script_dir = str(tmp_path)
            return p, "invalid partition"

Every test submits real jobs through the provider and cancels whatever it started. Waits are
bounded by ``state_timeout`` seconds; a test never asserts on how long anything took.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Iterator, List, Tuple

import pytest

from parsl.jobs.job_status_poller import JobStatusPoller
from parsl.jobs.states import JobState, JobStatus
from parsl.providers.base import ExecutionProvider
from parsl.providers.commands import render_command
from parsl.providers.errors import ExecutionProviderException, SubmitException
from parsl.providers.shell import execute_wait
from parsl.testing.blocks import CommandBlockExecutor
from parsl.testing.processes import wait_for

LONG_COMMAND = "sleep 600"


def require_service(check: str, what: str, how: str) -> None:
    """Fail (never skip) the test unless shell command ``check`` succeeds.

    Real-scheduler tests are selected by a marker; when the scheduler is down they fail with
    ``how`` to start it, so a broken CI service can never pass as "skipped".
    """
    try:
        result = execute_wait(check, 30)
    except ExecutionProviderException as e:
        pytest.fail(f"{what} is not reachable ({e}). {how}", pytrace=False)
    if result.retcode != 0:
        pytest.fail(f"{what} is not reachable: {check!r} exited {result.retcode}: "
                    f"{(result.stderr or result.stdout).strip()}. {how}", pytrace=False)


def wait_terminal(provider: ExecutionProvider, job_id: Any, timeout: float, poll_interval: float = 0.5) -> JobStatus:
    """Poll ``provider`` until job ``job_id`` is terminal; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not (status := provider.status([job_id])[0]).terminal:
        if time.monotonic() > deadline:
            pytest.fail(f"job {job_id} did not end within {timeout} s; last {status!r}")
        time.sleep(poll_interval)
    return status


class ProviderConformance:
    """What every execution provider must do. Subclasses define ``provider`` and ``bad_submit``."""

    #: Upper bound, in seconds, on waiting for a job to reach a state.
    state_timeout: float = 120.0
    #: Seconds between status calls while waiting.
    poll_interval: float = 0.5
    #: A job id this provider never issued.
    unknown_job_id: str = "999999"
    #: States a job may end in after ``cancel``.
    cancelled_states: Tuple[JobState, ...] = (JobState.CANCELLED,)
    #: States a job whose script exits non-zero may end in.
    failed_states: Tuple[JobState, ...] = (JobState.FAILED,)

    @pytest.fixture
    def provider(self) -> ExecutionProvider:
        raise NotImplementedError("a conformance test class must define the 'provider' fixture")

    @pytest.fixture
    def bad_submit(self) -> Tuple[ExecutionProvider, str]:
        """A provider whose submissions fail, and text the error message must contain."""
        raise NotImplementedError("a conformance test class must define the 'bad_submit' fixture")

    @pytest.fixture
    def submitted(self, provider: ExecutionProvider) -> Iterator[List[Any]]:
        """Job ids a test submitted; whatever is still running afterwards is cancelled."""
        ids: List[Any] = []
        yield ids
        live = [j for j, s in zip(ids, provider.status(ids)) if not s.terminal] if ids else []
        if live:
            provider.cancel(live)

    # -- helpers -------------------------------------------------------------------------------

    def submit(self, provider: ExecutionProvider, submitted: List[Any], command: str,
               name: str = "parsl.conformance") -> Any:
        job_id = provider.submit(command, 1, name)
        assert job_id, f"{type(provider).__name__}.submit returned {job_id!r} instead of a job id"
        submitted.append(job_id)
        return job_id

    def wait_for(self, provider: ExecutionProvider, job_id: Any,
                 done: Callable[[JobStatus], bool], what: str) -> JobStatus:
        deadline = time.monotonic() + self.state_timeout
        while True:
            status = provider.status([job_id])[0]
            if done(status):
                return status
            if time.monotonic() > deadline:
                pytest.fail(f"job {job_id} did not become {what} within {self.state_timeout} s; last {status!r}")
            time.sleep(self.poll_interval)

    def wait_terminal(self, provider: ExecutionProvider, job_id: Any) -> JobStatus:
        return self.wait_for(provider, job_id, lambda s: s.terminal, "terminal")

    # -- the contract --------------------------------------------------------------------------

    def test_provider_interface(self, provider: ExecutionProvider) -> None:
        assert isinstance(provider.label, str) and provider.label
        assert provider.status_polling_interval > 0
        for name in ("init_blocks", "min_blocks", "max_blocks", "nodes_per_block", "parallelism"):
            assert hasattr(provider, name), f"{type(provider).__name__} has no {name}"

    def test_submit_status_cancel_round_trip(self, provider: ExecutionProvider, submitted: List[Any]) -> None:
        job_id = self.submit(provider, submitted, LONG_COMMAND)
        first = provider.status([job_id])
        assert len(first) == 1 and not first[0].terminal, first
        self.wait_for(provider, job_id, lambda s: s.state == JobState.RUNNING, "RUNNING")
        assert provider.cancel([job_id]) == [True]
        final = self.wait_terminal(provider, job_id)
        assert final.state in self.cancelled_states, final

    def test_completed_job_reports_its_output(self, provider: ExecutionProvider, submitted: List[Any]) -> None:
        job_id = self.submit(provider, submitted, "echo conformance-out; echo conformance-err >&2")
        final = self.wait_terminal(provider, job_id)
        assert final.state == JobState.COMPLETED, final
        assert "conformance-out" in (final.stdout_summary or ""), final.stdout_path
        assert "conformance-err" in (final.stderr_summary or ""), final.stderr_path

    def test_failed_job_reports_its_output(self, provider: ExecutionProvider, submitted: List[Any]) -> None:
        job_id = self.submit(provider, submitted, "echo dying-words; echo dying-error >&2; exit 7")
        final = self.wait_terminal(provider, job_id)
        assert final.state in self.failed_states, final
        assert "dying-words" in (final.stdout_summary or "")
        assert "dying-error" in (final.stderr_summary or "")

    def test_bad_submit_raises_with_the_reason(self, bad_submit: Tuple[ExecutionProvider, str]) -> None:
        provider, expected = bad_submit
        with pytest.raises(ExecutionProviderException) as info:
            provider.submit("true", 1, "parsl.conformance.bad")
        assert expected.lower() in str(info.value).lower(), str(info.value)
        if isinstance(info.value, SubmitException):
            assert expected.lower() in (info.value.stderr or "").lower() + (info.value.stdout or "").lower()

    def test_cancel_of_unknown_job_does_not_raise(self, provider: ExecutionProvider) -> None:
        result = provider.cancel([self.unknown_job_id])
        assert len(result) == 1 and isinstance(result[0], bool)

    def test_status_of_unknown_job_is_terminal(self, provider: ExecutionProvider) -> None:
        (status,) = provider.status([self.unknown_job_id])
        assert status.terminal, status

    def test_status_of_many_jobs_in_one_call(self, provider: ExecutionProvider, submitted: List[Any]) -> None:
        quick = [self.submit(provider, submitted, "true") for _ in range(2)]
        slow = [self.submit(provider, submitted, LONG_COMMAND) for _ in range(3)]
        for job_id in quick:
            self.wait_terminal(provider, job_id)
        ids = [slow[0], quick[0], slow[1], quick[1], slow[2]]
        statuses = provider.status(ids)
        assert [s.terminal for s in statuses] == [False, True, False, True, False], statuses
        assert provider.cancel(slow) == [True, True, True]

    def test_poller_starts_init_blocks_and_close_cancels_them(self, provider: ExecutionProvider) -> None:
        provider.init_blocks, provider.max_blocks = 2, 2
        executor = CommandBlockExecutor(provider=provider, launch_command=LONG_COMMAND)
        poller = JobStatusPoller(strategy="simple", strategy_period=3600, max_idletime=3600)
        try:
            poller.add_executors([executor])
            wait_for(lambda: len(executor.blocks_to_job_id) >= 2, self.state_timeout, "both init blocks to launch",
                     interval=self.poll_interval)
        finally:
            poller.close()
        assert {s.state for s in executor.status_facade.values()} == {JobState.SCALED_IN}
        for job_id in executor.blocks_to_job_id.values():
            assert self.wait_terminal(provider, job_id).state in self.cancelled_states


class ClusterProviderConformance(ProviderConformance):
    """What a ``ClusterProvider`` plugin must also do, on top of ``ProviderConformance``.

    ``cancel_behind_our_back`` is the scheduler's own cancel command, with ``{job_id}``.
    """

    cancel_behind_our_back: str = ""

    def test_status_is_asked_in_batches(self, provider: Any, submitted: List[Any]) -> None:
        provider.status_batch_size = 2
        ids = [self.submit(provider, submitted, LONG_COMMAND) for _ in range(3)]
        calls: List[str] = []
        run = provider.execute_wait

        def counting(cmd: Any, timeout: Any = None, stdin_path: Any = None) -> Any:
            calls.append(cmd)
            return run(cmd, timeout, stdin_path)

        provider.execute_wait = counting
        statuses = provider.status(ids)
        assert len(statuses) == 3 and not any(s.terminal for s in statuses), statuses
        assert len(calls) == 2, calls
        del provider.execute_wait

    def test_job_cancelled_behind_our_back_is_noticed(self, provider: Any, submitted: List[Any]) -> None:
        job_id = self.submit(provider, submitted, LONG_COMMAND)
        self.wait_for(provider, job_id, lambda s: s.state == JobState.RUNNING, "RUNNING")
        result = execute_wait(render_command(self.cancel_behind_our_back, {"job_id": str(job_id)}), 30)
        assert result.retcode == 0, result
        final = self.wait_terminal(provider, job_id)
        assert final.state in (JobState.CANCELLED, JobState.MISSING, JobState.FAILED), final

    def test_hanging_submit_times_out_with_a_clear_error(self, provider: Any) -> None:
        provider.cmd_timeout = 1
        provider.submit_command = "sh -c 'sleep 30' {script}"
        with pytest.raises(SubmitException, match="cmd_timeout"):
            provider.submit("true", 1, "parsl.conformance.hang")

    def test_hanging_status_keeps_the_last_known_state(self, provider: Any, submitted: List[Any]) -> None:
        job_id = self.submit(provider, submitted, LONG_COMMAND)
        before = provider.status([job_id])[0]
        provider.cmd_timeout = 1
        provider.status_command = "sh -c 'sleep 30' {job_ids}"
        assert provider.status([job_id])[0].state == before.state
        del provider.status_command
        provider.cmd_timeout = 30
