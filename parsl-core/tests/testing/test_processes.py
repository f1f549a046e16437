"""parsl.testing.processes.wait_for: the rendezvous every test waits through."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from parsl.testing.processes import wait_for, wait_for_path


def test_wait_for_returns_the_predicate_s_first_true_value() -> None:
    answers = iter([None, [], {"ready": 1}])
    assert wait_for(lambda: next(answers), 30, "the third answer") == {"ready": 1}


def test_wait_for_fails_naming_what_it_waited_for() -> None:
    with pytest.raises(AssertionError, match=r"timed out after 0.1 s waiting for the impossible"):
        wait_for(lambda: False, 0.1, "the impossible")


def test_wait_for_fails_at_once_when_the_process_that_should_act_exits(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", "import sys; print('gave up'); sys.exit(3)"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with pytest.raises(AssertionError, match=r"exited with 3 while waiting for .*ready:\ngave up"):
        wait_for_path(str(tmp_path / "ready"), 600, proc)  # the cap is never reached
