"""What can go wrong with a CWL document or run.

    CWLError
    ├── CWLValidationError   the document does not validate (file:line:col and the field)
    ├── CWLInputError        the inputs do not fit the tool (unknown name, missing, wrong type)
    └── CWLRunError          the run ended unsuccessfully; carries cwltool's error messages
"""

from __future__ import annotations

from typing import Any, Sequence


class CWLError(Exception):
    """Base of every parsl-cwl error."""


class CWLValidationError(CWLError):
    """``path`` is not a valid CWL document; ``str()`` is cwl-utils' report: file, line, field."""

    def __init__(self, path: str, report: str) -> None:
        super().__init__(path, report)
        self.path = path
        self.report = report

    def __str__(self) -> str:
        return f"{self.path} is not a valid CWL document:\n{self.report}"


class CWLInputError(CWLError, TypeError):
    """The inputs given to a CWL app do not fit the tool."""


class CWLRunError(CWLError):
    """The process ended with ``status`` (``permanentFail``, ...); ``messages`` say which step or
    expression failed, and ``outputs`` holds what was produced (None when nothing was)."""

    def __init__(self, tool: str, status: str, messages: Sequence[str], outputs: Any = None) -> None:
        super().__init__(tool, status, list(messages))
        self.tool = tool
        self.status = status
        self.messages = list(messages)
        self.outputs = outputs

    def __str__(self) -> str:
        detail = "\n".join(self.messages) or "(cwltool reported no error message)"
        return f"{self.tool}: the run ended with {self.status}:\n{detail}"
