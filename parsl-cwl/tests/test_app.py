"""CWL tools and workflows as apps, on local threads and on HTEX."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import parsl
import parsl_cwl
from parsl.app.app import bash_app, python_app
from parsl.data_provider.files import File
from parsl_cwl.errors import CWLRunError

COUNT_LINES = """
    cwlVersion: v1.2
    class: CommandLineTool
    baseCommand: [wc, -l]
    stdin: $(inputs.src.path)
    stdout: lines.txt
    inputs:
      src: File
    outputs:
      lines: stdout
    """


def test_tool_as_app_returns_the_output_object_with_files(dfk, cwl, tmp_path: Path) -> None:
    source = tmp_path / "three.txt"
    source.write_text("a\nb\nc\n")
    count = parsl_cwl.load(cwl("count.cwl", COUNT_LINES))
    future = count(src=File(str(source)))
    out = future.result()
    assert isinstance(out["lines"], File)
    assert Path(out["lines"].filepath).read_text().strip() == "3"
    assert Path(future.outputs[0].result().filepath).read_text().strip() == "3"


def test_tool_composes_with_python_and_bash_apps(dfk, cwl, tmp_path: Path) -> None:
    @python_app
    def write_lines(n: int, outputs: list) -> None:
        with open(outputs[0].filepath, "w") as f:
            f.write("x\n" * n)

    @bash_app
    def shout(inputs: list, outputs: list) -> str:
        return f"echo lines: $(cat {inputs[0].filepath}) > {outputs[0].filepath}"

    made = write_lines(5, outputs=[File(str(tmp_path / "five.txt"))])
    counted = parsl_cwl.load(cwl("count.cwl", COUNT_LINES))(src=made.outputs[0])
    shouted = shout(inputs=[counted.outputs[0]], outputs=[File(str(tmp_path / "shout.txt"))])
    assert shouted.result() == 0
    assert (tmp_path / "shout.txt").read_text().split() == ["lines:", "5"]


def test_each_command_is_a_parsl_task_on_the_configured_executor(dfk, cwl) -> None:
    tool = cwl("parent.cwl", """
        cwlVersion: v1.2
        class: CommandLineTool
        baseCommand: [sh, -c, 'echo $PPID']
        stdout: parent.txt
        inputs: []
        outputs:
          parent: stdout
        """)
    out = parsl_cwl.load(tool)().result()
    parent = int(Path(out["parent"].filepath).read_text())
    label = next(iter(dfk.config.executors)).label
    commands = [t for t in dfk.tasks.values() if t["func_name"] == "run_command"]
    assert [t["executor"] for t in commands] == [label]
    if label == "threads":
        assert parent == os.getpid()   # started by a thread of this process
    else:
        assert parent != os.getpid()   # started by an HTEX worker process


RENDEZVOUS = """
    cwlVersion: v1.2
    class: CommandLineTool
    requirements:
      ShellCommandRequirement: {}
      ToolTimeLimit: {timelimit: 300}
    inputs:
      meeting: string
      me: string
      other: string
    arguments:
      - shellQuote: false
        valueFrom: >
          touch $(inputs.meeting)/$(inputs.me) &&
          while [ ! -e $(inputs.meeting)/$(inputs.other) ]; do sleep 0.05; done && echo met > met.txt
    outputs:
      met:
        type: File
        outputBinding: {glob: met.txt}
    """


def test_independent_workflow_branches_run_as_concurrent_tasks(dfk, cwl, tmp_path: Path) -> None:
    """Each branch waits for the other's file: the run finishes only if both run at once."""
    cwl("meet.cwl", RENDEZVOUS)
    workflow = cwl("both.cwl", """
        cwlVersion: v1.2
        class: Workflow
        inputs:
          meeting: string
        steps:
          left:
            run: meet.cwl
            in: {meeting: meeting, me: {default: left}, other: {default: right}}
            out: [met]
          right:
            run: meet.cwl
            in: {meeting: meeting, me: {default: right}, other: {default: left}}
            out: [met]
        outputs:
          left_met: {type: File, outputSource: left/met}
          right_met: {type: File, outputSource: right/met}
        """)
    meeting = tmp_path / "meeting"
    meeting.mkdir()
    out = parsl_cwl.load(workflow)(meeting=str(meeting)).result()
    assert Path(out["left_met"].filepath).read_text() == Path(out["right_met"].filepath).read_text() == "met\n"


def test_scatter_when_and_expression_tool_in_a_workflow(threads_dfk, cwl) -> None:
    workflow = cwl("scatter.cwl", """
        cwlVersion: v1.2
        class: Workflow
        requirements:
          ScatterFeatureRequirement: {}
          InlineJavascriptRequirement: {}
        inputs:
          words: string[]
        steps:
          echo:
            scatter: word
            in: {word: words}
            out: [said]
            when: $(inputs.word != "skip")
            run:
              class: CommandLineTool
              baseCommand: echo
              inputs:
                word: {type: string, inputBinding: {position: 1}}
              stdout: said.txt
              outputs:
                said:
                  type: string
                  outputBinding:
                    glob: said.txt
                    loadContents: true
                    outputEval: $(self[0].contents.trim())
          join:
            in: {said: {source: echo/said, pickValue: all_non_null}}
            out: [joined]
            run:
              class: ExpressionTool
              inputs:
                said: string[]
              outputs:
                joined: string
              expression: '$({"joined": inputs.said.join("+")})'
        outputs:
          joined: {type: string, outputSource: join/joined}
        """)
    assert parsl_cwl.load(workflow)(words=["a", "skip", "b"]).result() == {"joined": "a+b"}


def test_a_failing_branch_leaves_the_others_running(dfk, cwl, tmp_path: Path) -> None:
    """Both branches start together; the run reports the failure only after the other one finished."""
    workflow = cwl("branches.cwl", """
        cwlVersion: v1.2
        class: Workflow
        inputs:
          marker: string
        steps:
          broken:
            run: {class: CommandLineTool, baseCommand: "false", inputs: [], outputs: []}
            in: []
            out: []
          fine:
            run:
              class: CommandLineTool
              baseCommand: touch
              inputs:
                marker: {type: string, inputBinding: {position: 1}}
              outputs: []
            in: {marker: marker}
            out: []
        outputs: []
        """)
    marker = tmp_path / "fine-ran"
    with pytest.raises(CWLRunError) as failed:
        parsl_cwl.load(workflow)(marker=str(marker)).result()
    assert failed.value.status == "permanentFail"
    assert any("broken" in m for m in failed.value.messages), failed.value.messages
    assert marker.exists()


def test_apps_use_the_loaded_dataflowkernel_and_fail_without_one(cwl) -> None:
    app = parsl_cwl.load(cwl("count.cwl", COUNT_LINES))
    with pytest.raises(parsl.errors.NoDataFlowKernelError):
        app(src=File("/dev/null"))
