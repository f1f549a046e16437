"""Times as the database stores them, from the numbers (seconds since the epoch) events carry.

Events carry times as numbers because a float costs a fraction of a datetime to make, pickle and
compare; only the writer turns them into what the dialect stores. SQLite gets SQLAlchemy's text
format for ``DateTime`` (``YYYY-MM-DD HH:MM:SS.ffffff``, local time, as Parsl's database holds),
built from a cache of each second's text; other dialects get naive local datetimes.
"""

from __future__ import annotations

import datetime
from typing import Any, Callable

#: Text of whole seconds already formatted, with the decimal point (a batch's times share a few).
_seconds: dict[int, str] = {}
_SECONDS_KEPT = 4096


def epoch(value: Any) -> Any:
    """A time as seconds since the epoch (events carry numbers; older ones and the database, datetimes)."""
    return value.timestamp() if isinstance(value, datetime.datetime) else value


def micros(value: Any) -> int:
    """A time as whole microseconds since the epoch: what the database keeps of it, to compare."""
    return round(float(epoch(value)) * 1e6)


def _second_text(whole: int) -> str:
    if len(_seconds) >= _SECONDS_KEPT:
        _seconds.clear()
    text = _seconds[whole] = datetime.datetime.fromtimestamp(whole).strftime("%Y-%m-%d %H:%M:%S.")
    return text


def sqlite_text(value: Any) -> Any:
    """SQLAlchemy's SQLite text of a time given as seconds since the epoch or as a datetime."""
    if value.__class__ is float:
        whole, micro = divmod(round(value * 1e6), 1_000_000)
        return (_seconds.get(whole) or _second_text(whole)) + str(1_000_000 + micro)[1:]
    return None if value is None else local_datetime(value).isoformat(" ", "microseconds")


def local_datetime(value: Any) -> Any:
    """A naive local datetime of a time given as seconds since the epoch (or already a datetime)."""
    if value is None or isinstance(value, datetime.datetime):
        return value
    return datetime.datetime.fromtimestamp(value)


_BINDERS: dict[str, Callable[[Any], Any]] = {"sqlite": sqlite_text}


def bind_times(rows: list[tuple[Any, ...]], positions: list[int], dialect: str) -> list[tuple[Any, ...]]:
    """``rows`` with the values at ``positions`` converted for ``dialect``."""
    convert = _BINDERS.get(dialect, local_datetime)
    if len(positions) == 1:
        (i,) = positions
        return [(*row[:i], convert(row[i]), *row[i + 1:]) for row in rows]
    out = []
    for row in rows:
        values = list(row)
        for i in positions:
            values[i] = convert(values[i])
        out.append(tuple(values))
    return out
