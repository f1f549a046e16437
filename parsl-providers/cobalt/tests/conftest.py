"""The recorded-output scheduler fixture of the core's test kit."""

from parsl.testing.recorded import recorded_scheduler

__all__ = ["recorded_scheduler"]
