"""Bad documents and bad inputs: each error names the file, line and field, or the step and expression."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import INVALID_TOOL, run_past_time_limit

import parsl_cwl
from parsl.data_provider.files import File
from parsl_cwl.errors import CWLInputError, CWLRunError, CWLValidationError

ECHO = """
    cwlVersion: v1.2
    class: CommandLineTool
    baseCommand: echo
    inputs:
      times: {type: int, inputBinding: {position: 1}}
    outputs: []
    """


def test_a_document_that_does_not_validate_names_file_line_and_field(cwl) -> None:
    path = cwl("bad.cwl", INVALID_TOOL)
    with pytest.raises(CWLValidationError) as bad:
        parsl_cwl.load(path)
    assert "bad.cwl:6:1" in str(bad.value)
    assert "'stdoutt'" in str(bad.value)


def test_an_unknown_input_name_is_refused_at_call_time(threads_dfk, cwl) -> None:
    app = parsl_cwl.load(cwl("echo.cwl", ECHO))
    with pytest.raises(CWLInputError, match=r"has no input 'time'; its inputs are times"):
        app(time=3)


@pytest.mark.parametrize("inputs, expected", [
    ({}, r"echo.cwl:5:3: Missing required input parameter 'times'"),
    ({"times": "three"}, r"the 'times' field is not valid because\s+\"'three'\" is not int"),
])
def test_missing_or_wrongly_typed_inputs_name_the_input(threads_dfk, cwl, inputs, expected) -> None:
    app = parsl_cwl.load(cwl("echo.cwl", ECHO))
    with pytest.raises(CWLInputError, match=expected):
        app(**inputs).result()


def test_an_output_glob_that_matches_nothing_names_the_step_and_pattern(threads_dfk, cwl) -> None:
    cwl("nothing.cwl", """
        cwlVersion: v1.2
        class: CommandLineTool
        baseCommand: "true"
        inputs: []
        outputs:
          result: {type: File, outputBinding: {glob: never-written.txt}}
        """)
    workflow = cwl("wf.cwl", """
        cwlVersion: v1.2
        class: Workflow
        inputs: []
        steps:
          make_result: {run: nothing.cwl, in: [], out: [result]}
        outputs:
          result: {type: File, outputSource: make_result/result}
        """)
    with pytest.raises(CWLRunError) as failed:
        parsl_cwl.load(workflow)().result()
    text = str(failed.value)
    assert "make_result" in text and "never-written.txt" in text, text


def test_an_expression_that_throws_names_the_step_and_the_expression(threads_dfk, cwl, tmp_path: Path) -> None:
    workflow = cwl("throws.cwl", """
        cwlVersion: v1.2
        class: Workflow
        requirements:
          InlineJavascriptRequirement: {}
        inputs:
          src: File
        steps:
          measure:
            in: {src: src}
            out: [size]
            run:
              class: ExpressionTool
              inputs:
                src: File
              outputs:
                size: int
              expression: '${ throw new Error("no size for " + inputs.src.basename); }'
        outputs:
          size: {type: int, outputSource: measure/size}
        """)
    source = tmp_path / "data.txt"
    source.write_text("x")
    with pytest.raises(CWLRunError) as failed:
        parsl_cwl.load(workflow)(src=File(str(source))).result()
    text = str(failed.value)
    assert "measure" in text and 'throw new Error("no size for "' in text and "no size for data.txt" in text, text


def test_a_time_limit_ends_the_command(dfk, cwl) -> None:
    run_past_time_limit(cwl, 2, '[sleep, "600"]')
