"""Times as the database stores them, from the numbers (seconds since the epoch) events carry.

Events carry times as numbers because a float costs a fraction of a datetime to make, pickle and
compare; only the writer turns them into what the dialect stores. SQLite gets SQLAlchemy's text
format for ``DateTime`` (``YYYY-MM-DD HH:MM:SS.ffffff``, local time, as Parsl's database holds),
built from a cache of each millisecond's text; other dialects get naive local datetimes.
"""

from __future__ import annotations

import datetime
from typing import Any, Callable

#: Text of whole milliseconds already formatted (``YYYY-MM-DD HH:MM:SS.fff``): a burst's times
#: share a few hundred, and a lookup costs half of formatting.
_millis: dict[int, str] = {}
_MILLIS_KEPT = 1 << 16
#: ``000`` to ``999``, the last three digits of the microseconds.
_DIGITS = [f"{i:03d}" for i in range(1000)]


def epoch(value: Any) -> Any:
    """A time as seconds since the epoch (events carry numbers; older ones and the database, datetimes)."""
    return value.timestamp() if isinstance(value, datetime.datetime) else value


def micros(value: Any) -> int:
    """A time as whole microseconds since the epoch: what the database keeps of it, to compare."""
    return round(float(epoch(value)) * 1e6)


def _milli_text(milli: int) -> str:
    if len(_millis) >= _MILLIS_KEPT:
        _millis.clear()
    whole, rest = divmod(milli, 1000)
    text = _millis[milli] = datetime.datetime.fromtimestamp(whole).strftime("%Y-%m-%d %H:%M:%S.") + _DIGITS[rest]
    return text


def sqlite_text(value: Any) -> Any:
    """SQLAlchemy's SQLite text of a time given as seconds since the epoch or as a datetime.

    A number is rounded to whole microseconds as ``micros`` does, so that what is read back
    compares equal to it.
    """
    if value.__class__ is float:
        us = round(value * 1e6)
        return (_millis.get(us // 1000) or _milli_text(us // 1000)) + _DIGITS[us % 1000]
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
