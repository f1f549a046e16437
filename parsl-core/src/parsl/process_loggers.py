"""``wrap_with_logs``: log how the top-level function of a thread or process ended."""

from __future__ import annotations

import functools
import logging
import threading
from typing import Any, Callable, Optional


def wrap_with_logs(fn: Optional[Callable] = None, target: str = __name__) -> Callable:
    """Log (to logger ``target``) whether the wrapped function returned or raised; re-raise.

    Exceptions at the top of a thread would otherwise vanish; usable with or without arguments.
    """

    def decorator(func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            name = f"{func.__name__} on thread {threading.current_thread().name}"
            logger = logging.getLogger(target)
            try:
                result = func(*args, **kwargs)
            except Exception:
                logger.error("Exceptional ending for %s", name, exc_info=True)
                raise
            logger.debug("Normal ending for %s", name)
            return result

        return wrapped

    return decorator(fn) if fn is not None else decorator
