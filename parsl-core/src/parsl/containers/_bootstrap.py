"""What a Python container app runs on the image's own Python (passed as ``python3 -c``).

Arguments: the payload file, the result file, the submitting Python's ``major.minor``. The
payload is ``dill`` of ``(function, args, kwargs)``; ``File`` arguments arrive as
``("__parsl_file__", path)`` and are given to the function as ``File`` stand-ins (a ``str``
with ``filepath``). The result file gets ``dill`` of ``(True, value)`` or ``(False, exception,
traceback text)``. Exit code 97: this Python cannot run the payload (no ``dill``, another
version); the reason is on stderr. Only the standard library and ``dill`` are used.
"""

import sys
from typing import Any

UNUSABLE = 97


class File(str):
    """The in-container stand-in for ``parsl.data_provider.files.File``: its path, as a ``str``."""

    @property
    def filepath(self) -> str:
        return str(self)

    path = filepath
    url = filepath
    filename = property(lambda self: self.rsplit("/", 1)[-1])


def _files(obj: Any) -> Any:
    if isinstance(obj, tuple) and len(obj) == 2 and obj[0] == "__parsl_file__":
        return File(obj[1])
    if isinstance(obj, (list, tuple)):
        return type(obj)(_files(o) for o in obj)
    return obj


def main() -> None:
    payload, result, wanted = sys.argv[1:4]
    have = "{}.{}".format(*sys.version_info[:2])
    if have != wanted:
        sys.stderr.write(f"parsl container app: the image's Python is {have}, the function was "
                         f"serialized by Python {wanted}: the versions must match\n")
        sys.exit(UNUSABLE)
    try:
        import dill
    except ImportError as e:
        sys.stderr.write(f"parsl container app: the image's Python {have} cannot import dill: {e}\n")
        sys.exit(UNUSABLE)
    with open(payload, "rb") as f:
        func, args, kwargs = dill.load(f)
    try:
        outcome: tuple = (True, func(*_files(args), **{k: _files(v) for k, v in kwargs.items()}))
    except BaseException as e:
        import traceback

        outcome = (False, e, traceback.format_exc())
    try:
        data = dill.dumps(outcome)
    except Exception as e:
        data = dill.dumps((False, TypeError(f"the result could not be serialized: {e!r}"), ""))
    with open(result, "wb") as f:
        f.write(data)


main()
