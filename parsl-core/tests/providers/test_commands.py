"""Command templates become argument lists: values are never split, quoted or seen by a shell."""

from __future__ import annotations

import pytest

from parsl.providers.commands import render_command

AWKWARD = "/runs/my run's \"dir\" $HOME;rm -rf x/job.submit"


def test_a_value_is_exactly_one_argument_whatever_it_holds() -> None:
    assert render_command("sbatch {script}", {"script": AWKWARD}) == ["sbatch", AWKWARD]
    assert render_command("squeue --jobs={job_ids}", {"job_ids": "1,2"}) == ["squeue", "--jobs=1,2"]


def test_the_template_itself_is_split_like_a_shell_line() -> None:
    assert render_command("squeue --format='%i %t %r' --jobs={ids}", {"ids": "7"}) == [
        "squeue", "--format=%i %t %r", "--jobs=7"]


def test_a_list_value_is_one_argument_per_item_or_none() -> None:
    assert render_command("qdel {job_ids}", {"job_ids": ["1.server", "2.server"]}) == ["qdel", "1.server", "2.server"]
    assert render_command("sbatch {clusters} {script}", {"clusters": [], "script": "s"}) == ["sbatch", "s"]


def test_template_mistakes_name_the_value() -> None:
    with pytest.raises(ValueError, match="'job_ids' is a list, which must be a word of its own"):
        render_command("squeue --jobs={job_ids}", {"job_ids": ["1", "2"]})
    with pytest.raises(ValueError, match="'script' is not supplied"):
        render_command("sbatch {script}", {})
