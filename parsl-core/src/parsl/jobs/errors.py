"""Errors about blocks and their jobs."""

from parsl.errors import ParslError


class TooManyJobFailuresError(ParslError):
    """An executor was shut down because too many of its blocks failed.

    The message carries each failed block's status message, exit code and the tail of its
    job's stdout and stderr, which is usually where the cause is.
    """
