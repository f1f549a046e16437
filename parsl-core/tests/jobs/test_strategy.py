"""The scaling strategy, on real local blocks: init blocks, scale out to max_blocks, scale in when idle."""

from __future__ import annotations

from typing import Any, Callable

import pytest
from block_executor import states

from parsl.jobs import strategy as strategy_module
from parsl.jobs.states import JobState
from parsl.jobs.strategy import Strategy
from parsl.testing.processes import wait_for


class Clock:
    """The strategy's clock, advanced by the test: idle times need no sleep and survive a busy machine."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(strategy_module, "time", fake)
    return fake


def strategize(strategy: Strategy, executor: Any) -> None:
    executor.poll_facade()
    strategy.strategize([executor])


def test_first_poll_launches_init_blocks_then_nothing_without_load(make_executor: Callable[..., Any]) -> None:
    executor = make_executor(init_blocks=2, max_blocks=4)
    strategy = Strategy(strategy="simple", max_idletime=3600)
    strategy.add_executors([executor])
    strategize(strategy, executor)
    assert list(states(executor).values()) == ["PENDING", "PENDING"]
    strategize(strategy, executor)
    assert len(executor.status_facade) == 2


def test_load_scales_out_up_to_max_blocks(make_executor: Callable[..., Any]) -> None:
    executor = make_executor(init_blocks=0, max_blocks=3, slots=2)
    strategy = Strategy(strategy="simple", max_idletime=3600)
    strategy.add_executors([executor])
    executor.load = 3
    strategize(strategy, executor)
    assert len(executor.status_facade) == 2  # ceil(3 tasks / 2 slots per block)
    executor.load = 100
    strategize(strategy, executor)
    assert len(executor.status_facade) == 3  # capped at max_blocks
    strategize(strategy, executor)
    assert len(executor.status_facade) == 3


def test_parallelism_below_one_packs_tasks(make_executor: Callable[..., Any]) -> None:
    executor = make_executor(init_blocks=0, max_blocks=10, parallelism=0.5)
    strategy = Strategy(strategy="simple", max_idletime=3600)
    strategy.add_executors([executor])
    executor.load = 4
    strategize(strategy, executor)
    assert len(executor.status_facade) == 2


def test_idle_blocks_are_scaled_in_after_max_idletime_down_to_min_blocks(make_executor: Callable[..., Any],
                                                                         clock: Clock) -> None:
    executor = make_executor(init_blocks=3, min_blocks=1, max_blocks=3)
    strategy = Strategy(strategy="simple", max_idletime=0.2)
    strategy.add_executors([executor])
    strategize(strategy, executor)          # launches 3, starts the idle clock
    strategize(strategy, executor)
    assert "SCALED_IN" not in states(executor).values()
    clock.now += 0.3
    strategize(strategy, executor)
    assert sorted(states(executor).values()) == ["PENDING", "SCALED_IN", "SCALED_IN"]
    executor._last_poll_time = 0
    executor.poll_facade()
    assert sorted(states(executor).values()) == ["RUNNING", "SCALED_IN", "SCALED_IN"]


def test_load_resets_the_idle_clock(make_executor: Callable[..., Any], clock: Clock) -> None:
    executor = make_executor(init_blocks=1, max_blocks=1)
    strategy = Strategy(strategy="simple", max_idletime=0.2)
    strategy.add_executors([executor])
    strategize(strategy, executor)
    clock.now += 0.3
    executor.load = 1
    strategize(strategy, executor)
    executor.load = 0
    strategize(strategy, executor)
    assert list(states(executor).values()) == ["PENDING"]


def test_strategy_none_only_launches_init_blocks(make_executor: Callable[..., Any]) -> None:
    executor = make_executor(init_blocks=1, max_blocks=5)
    strategy = Strategy(strategy="none", max_idletime=0)
    strategy.add_executors([executor])
    executor.load = 50
    strategize(strategy, executor)
    strategize(strategy, executor)
    assert len(executor.status_facade) == 1


def test_strategy_none_replaces_lost_blocks_up_to_init_blocks(make_executor: Callable[..., Any]) -> None:
    executor = make_executor(init_blocks=2, max_blocks=5)
    strategy = Strategy(strategy="none", max_idletime=0)
    strategy.add_executors([executor])
    strategize(strategy, executor)
    assert sorted(executor.status_facade) == ["0", "1"]
    executor.scale_in_facade(1)  # scaled in on purpose: not replaced
    executor.provider.cancel([executor.blocks_to_job_id["1"]])  # ended from outside, as a lost node
    executor._last_poll_time = 0
    strategize(strategy, executor)
    assert states(executor) == {"0": "SCALED_IN", "1": "CANCELLED", "2": "PENDING"}
    executor._last_poll_time = 0
    strategize(strategy, executor)
    assert len(executor.status_facade) == 3


def test_strategy_literal_none_is_deprecated() -> None:
    with pytest.deprecated_call():
        Strategy(strategy=None, max_idletime=1)


def test_unknown_strategy_name_is_an_error() -> None:
    with pytest.raises(ValueError, match="'simple', 'htex_auto_scale', 'none'"):
        Strategy(strategy="greedy", max_idletime=1)


def test_htex_auto_scale_needs_an_idle_aware_scale_in(make_executor: Callable[..., Any],
                                                     caplog: pytest.LogCaptureFixture) -> None:
    executor = make_executor(init_blocks=2, max_blocks=2)
    strategy = Strategy(strategy="htex_auto_scale", max_idletime=0)
    strategy.add_executors([executor])
    executor.load = 1
    strategize(strategy, executor)
    assert "HighThroughputExecutor" in caplog.text
    assert len([s for s in states(executor).values() if s == "PENDING"]) == 2


def test_a_bad_executor_is_not_scaled(make_executor: Callable[..., Any]) -> None:
    executor = make_executor(init_blocks=1)
    executor.set_bad_state_and_fail_all(RuntimeError("broken"))
    strategy = Strategy(strategy="simple", max_idletime=1)
    strategy.add_executors([executor])
    strategize(strategy, executor)
    assert executor.status_facade == {}


def test_htex_auto_scale_scales_in_spare_blocks_through_an_idle_aware_scale_in(
        make_executor: Callable[..., Any]) -> None:
    executor = make_executor(init_blocks=3, max_blocks=3)
    asked: list[tuple[int, float | None]] = []
    plain_scale_in = executor.scale_in

    def scale_in(blocks: int, max_idletime: float | None = None) -> list[str]:
        asked.append((blocks, max_idletime))
        return plain_scale_in(blocks)

    executor.scale_in = scale_in
    strategy = Strategy(strategy="htex_auto_scale", max_idletime=30)
    strategy.add_executors([executor])
    executor.load = 1
    strategize(strategy, executor)
    assert asked == [(2, 30)]
    assert sorted(states(executor).values()) == ["PENDING", "SCALED_IN", "SCALED_IN"]


def test_a_block_reported_lost_is_cancelled_and_replaced(make_executor: Callable[..., Any]) -> None:
    executor = make_executor(init_blocks=1, max_blocks=1)
    strategy = Strategy(strategy="simple", max_idletime=3600)
    strategy.add_executors([executor])
    strategize(strategy, executor)
    job = executor.blocks_to_job_id["0"]
    executor.load = 1
    executor.block_lost("0", "no heartbeat for 9s")  # its job still runs: a hung node or a partition
    strategize(strategy, executor)
    lost = executor.status_facade["0"]
    assert lost.state == JobState.FAILED and lost.message == "block 0 lost: no heartbeat for 9s"
    assert states(executor) == {"0": "FAILED", "1": "PENDING"}
    assert executor.provider.status([job])[0].terminal  # the job was cancelled, not left running
    executor._last_poll_time = 0
    strategize(strategy, executor)
    assert executor.status_facade["0"] == lost  # the provider's later CANCELLED does not hide why


def test_a_block_whose_job_ended_before_it_was_reported_lost_says_both(
        make_executor: Callable[..., Any]) -> None:
    """A cut-off pool may give up and exit before the interchange reports it lost: the reason
    is kept, whichever the poller sees first."""
    executor = make_executor(init_blocks=1, max_blocks=1, launch_command="exit 1")
    strategy = Strategy(strategy="simple", max_idletime=3600)
    strategy.add_executors([executor])
    strategize(strategy, executor)

    def job_failed() -> bool:
        executor._last_poll_time = 0
        executor.poll_facade()
        return executor.status_facade["0"].state == JobState.FAILED

    wait_for(job_failed, 120, "block 0's job to exit")
    executor.block_lost("0", "no heartbeat for 9s")
    executor.poll_facade()
    lost = executor.status_facade["0"]
    assert lost.state == JobState.FAILED and lost.exit_code == 1
    assert lost.message == "block 0 lost: no heartbeat for 9s (then: block script exited with code 1)"


def test_max_idletime_zero_scales_in_at_the_first_idle_poll(make_executor: Callable[..., Any]) -> None:
    """Not one clock tick later: two readings of a coarse clock may be equal."""
    executor = make_executor(init_blocks=2, max_blocks=2)
    strategy = Strategy(strategy="simple", max_idletime=0)
    strategy.add_executors([executor])
    strategize(strategy, executor)
    assert sorted(states(executor).values()) == ["SCALED_IN", "SCALED_IN"]
