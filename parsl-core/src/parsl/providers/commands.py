"""Scheduler commands as argument lists, written as one-line templates.

A provider states its commands as data, e.g. ``"squeue --format='%i %t' --jobs={job_ids}"``.
The template is split into words the way a shell would (it is code, written once), and only
then is each word filled in, so a value (a script path with spaces or quotes, a job id) is
always exactly one argument, or several when it is a list, and never reaches a shell.
"""

from __future__ import annotations

import re
import shlex
from typing import List, Mapping, Sequence, Union

#: A value for a template: one argument's text, or a list that becomes one argument per item.
Value = Union[str, Sequence[str]]

_WHOLE_WORD = re.compile(r"\{(\w+)\}")


def render_command(template: str, values: Mapping[str, Value]) -> List[str]:
    """The argument list of ``template`` filled with ``values``.

    A word that is exactly ``{name}`` of a list value becomes one argument per item (none for an
    empty list); a list inside a longer word is a mistake in the template and raises ``ValueError``.
    """
    texts = {name: value for name, value in values.items() if isinstance(value, str)}
    argv: List[str] = []
    for word in shlex.split(template):
        whole = _WHOLE_WORD.fullmatch(word)
        if whole and not isinstance(values.get(whole.group(1), ""), str):
            argv.extend(values[whole.group(1)])
            continue
        try:
            argv.append(word.format(**texts))
        except KeyError as e:
            kind = "a list, which must be a word of its own" if e.args[0] in values else "not supplied"
            raise ValueError(f"command template {template!r}: value {e.args[0]!r} is {kind}") from None
    return argv
