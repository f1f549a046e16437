"""The kit's own guarantees: a missing scheduler fails loudly, recorded commands replay and log."""

from __future__ import annotations

import pytest

from parsl.providers.shell import execute_wait
from parsl.testing.providers import require_service
from parsl.testing.recorded import RecordedScheduler


def test_an_unreachable_scheduler_fails_the_test_with_how_to_start_it() -> None:
    with pytest.raises(pytest.fail.Exception, match=r"Slurm is not reachable.*exited 1.*down.*slurm\.sh start"):
        require_service("echo down >&2; exit 1", "Slurm", "Start it with .ci/services/slurm.sh start.")


def test_a_reachable_scheduler_lets_the_test_run() -> None:
    require_service("true", "Slurm", "never shown")


def test_recorded_commands_replay_their_output_and_log_their_arguments(recorded_scheduler: RecordedScheduler) -> None:
    recorded_scheduler.reply("qsub", stdout="12.server\n", stderr="warning\n", exit_code=0)
    assert execute_wait("qsub -q 'a queue' /x/script", 10) == (0, "12.server\n", "warning\n")
    recorded_scheduler.reply("qsub", stderr="qsub: Unknown queue\n", exit_code=170)
    assert execute_wait("qsub", 10).retcode == 170
    assert recorded_scheduler.calls("qsub") == [["-q", "a queue", "/x/script"], []]
