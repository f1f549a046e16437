"""ClusterProvider's shared machinery, with a scheduler stated as data and replayed commands."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Mapping, Optional

import attrs
import pytest

from parsl.jobs.states import JobState
from parsl.launchers.base import Launcher
from parsl.launchers.launchers import SimpleLauncher
from parsl.plugins.settings import settings
from parsl.providers.cluster_provider import ClusterProvider
from parsl.providers.errors import JobPathError, SchedulerMissingArgs, SubmitException
from parsl.providers.scripts import quoted_path
from parsl.testing.recorded import RecordedScheduler


@settings
class MiniProvider(ClusterProvider):
    """A scheduler described only by data: what a plugin writes."""

    label_name: ClassVar[str] = "mini"
    template: ClassVar[str] = ("#!/bin/bash\n#MINI -N ${jobname} -t ${walltime}\n${scheduler_options}\n"
                               "${worker_init}\n${user_script}\n")
    directives: ClassVar[Mapping[str, str]] = {"queue": "#MINI -q {}", "exclusive": "#MINI --whole-node"}
    submit_command: ClassVar[str] = "msub {script}"
    status_command: ClassVar[str] = "mstat {job_ids}"
    cancel_command: ClassVar[str] = "mdel {job_ids}"
    job_id_pattern: ClassVar[str] = r"job (?P<id>\d+) queued"
    state_table: ClassVar[Mapping[str, JobState]] = {"Q": JobState.PENDING, "R": JobState.RUNNING,
                                                     "D": JobState.COMPLETED}
    unknown_job_pattern: ClassVar[Optional[str]] = "no such job"

    queue: Optional[str] = None
    exclusive: bool = False
    nodes_per_block: int = 1
    init_blocks: int = 1
    min_blocks: int = 0
    max_blocks: int = 1
    parallelism: float = 1
    walltime: str = "00:10:00"
    scheduler_options: str = ""
    worker_init: str = ""
    cmd_timeout: int = 10
    launcher: Launcher = attrs.field(factory=SimpleLauncher)


@pytest.fixture
def provider(tmp_path: Path) -> MiniProvider:
    p = MiniProvider(queue="short", exclusive=True, worker_init="module load python",
                     scheduler_options="#MINI --mail=none")
    p.script_dir = str(tmp_path)
    return p


def test_the_script_is_rendered_from_the_template_and_directives(provider: MiniProvider,
                                                                 recorded_scheduler: RecordedScheduler) -> None:
    recorded_scheduler.reply("msub", stdout="job 17 queued\n")
    assert provider.submit("run-worker", 1, "parsl.block-0") == "17"
    ((script,),) = recorded_scheduler.calls("msub")
    lines = Path(script).read_text().splitlines()
    assert lines[1:5] == ["#MINI -N parsl.block-0 -t 00:10:00", "#MINI --mail=none", "#MINI -q short",
                          "#MINI --whole-node"]
    assert "module load python" in lines and "run-worker" in lines


def test_a_template_naming_an_unknown_value_is_a_clear_error(provider: MiniProvider) -> None:
    provider.template = "#MINI ${no_such_value}\n"
    with pytest.raises(SchedulerMissingArgs, match="no_such_value"):
        provider.submit("x", 1)


def test_submit_output_without_a_job_id_is_an_error_with_the_output(provider: MiniProvider,
                                                                    recorded_scheduler: RecordedScheduler) -> None:
    recorded_scheduler.reply("msub", stdout="queue is draining\n")
    with pytest.raises(SubmitException, match="queue is draining"):
        provider.submit("x", 1)


def test_an_execute_wait_returning_parsl_s_plain_tuple_is_understood(tmp_path: Path) -> None:
    class TupleProvider(MiniProvider):
        # Parsl's signature: no stdin_path
        def execute_wait(self, cmd: Any, timeout: Optional[float] = None) -> tuple[int, str, str]:  # type: ignore[override]
            return (0, "job 42 queued\n", "") if cmd[0] == "msub" else (0, "42 R\n", "")

    provider = TupleProvider()
    provider.script_dir = str(tmp_path)
    assert provider.submit("x", 1) == "42"
    assert provider.status(["42"])[0].state == JobState.RUNNING


def test_submit_exception_task_name_is_deprecated_job_name() -> None:
    with pytest.deprecated_call(match="use job_name"):
        assert SubmitException("job-7", "refused").task_name == "job-7"


def test_status_batches_states_and_lost_jobs(provider: MiniProvider, recorded_scheduler: RecordedScheduler) -> None:
    provider.status_batch_size = 2
    recorded_scheduler.reply("mstat", stdout="1 R\n2 Q\n3 D\n4 X\n")
    statuses = provider.status(["1", "2", "3", "4", "5"])
    assert [s.state for s in statuses] == [JobState.RUNNING, JobState.PENDING, JobState.COMPLETED,
                                           JobState.UNKNOWN, JobState.MISSING]
    assert "unknown mini state 'X'" in (statuses[3].message or "") and "mstat" in (statuses[4].message or "")
    assert recorded_scheduler.calls("mstat") == [["1,2"], ["3,4"], ["5"]]
    provider.status(["1", "2", "3"])  # finished jobs are not asked about again
    assert recorded_scheduler.calls("mstat")[-1] == ["1,2"]


def test_a_status_error_meaning_no_such_job_marks_the_jobs_missing(provider: MiniProvider,
                                                                   recorded_scheduler: RecordedScheduler) -> None:
    recorded_scheduler.reply("mstat", stderr="mstat: no such job 9\n", exit_code=1)
    assert provider.status(["9"])[0].state == JobState.MISSING


def test_cancel_marks_jobs_cancelled_only_when_the_scheduler_agrees(provider: MiniProvider,
                                                                    recorded_scheduler: RecordedScheduler) -> None:
    recorded_scheduler.reply("msub", stdout="job 5 queued\n")
    job = provider.submit("x", 1)
    recorded_scheduler.reply("mdel", stderr="mdel: permission denied\n", exit_code=1)
    assert provider.cancel([job]) == [False]
    recorded_scheduler.reply("mdel")
    assert provider.cancel([job]) == [True]
    assert provider.status([job])[0].state == JobState.CANCELLED
    assert provider.cancel([]) == []


AWKWARD_DIR = "run dir 'with' \"quotes\" and $HOME"


@settings
class QuotingMiniProvider(MiniProvider):
    """A scheduler whose directives take double-quoted paths with backslash escapes."""

    template: ClassVar[str] = "#MINI -o ${job_stdout_path}\n${user_script}\n"

    def _directive_path(self, path: str) -> str:
        return quoted_path(self.label, path, backslash_escapes=True)


def test_a_path_with_spaces_and_quotes_is_one_argument_and_a_quoted_directive(
        tmp_path: Path, recorded_scheduler: RecordedScheduler) -> None:
    provider = QuotingMiniProvider()
    provider.script_dir = str(tmp_path / AWKWARD_DIR)
    recorded_scheduler.reply("msub", stdout="job 3 queued\n")
    recorded_scheduler.reply("mdel")
    job_id = provider.submit("run-worker", 1, "parsl.block-0")
    ((script,),) = recorded_scheduler.calls("msub")
    assert Path(script).parent == tmp_path / AWKWARD_DIR
    stdout_path = provider.resources[job_id]["job_stdout_path"]
    escaped = stdout_path.replace('"', '\\"')
    assert Path(script).read_text().splitlines()[0] == f'#MINI -o "{escaped}"'
    assert provider.cancel([job_id]) == [True] and recorded_scheduler.calls("mdel") == [["3"]]


def test_a_path_the_directive_syntax_cannot_take_is_refused_before_submitting(
        tmp_path: Path, recorded_scheduler: RecordedScheduler) -> None:
    provider = MiniProvider()
    provider.script_dir = str(tmp_path / "run dir")
    recorded_scheduler.reply("msub", stdout="job 3 queued\n")
    with pytest.raises(JobPathError, match=r"mini cannot take the path .*run dir.* in a job script"):
        provider.submit("run-worker", 1)
    assert recorded_scheduler.calls("msub") == []
    newline = QuotingMiniProvider()
    newline.script_dir = str(tmp_path / "two\nlines")
    with pytest.raises(JobPathError, match="line break"):
        newline.submit("run-worker", 1)


def test_a_submit_command_without_the_script_gets_it_on_stdin(
        provider: MiniProvider, recorded_scheduler: RecordedScheduler) -> None:
    provider.submit_command = "msub -"  # type: ignore[misc]
    recorded_scheduler.reply("msub", stdout="job 4 queued\n")
    assert provider.submit("run-worker", 1) == "4"
    assert recorded_scheduler.calls("msub") == [["-"]]
