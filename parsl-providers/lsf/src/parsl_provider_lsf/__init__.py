"""Parsl's LSFProvider as a plugin distribution (``parsl.providers.lsf`` resolves here)."""
