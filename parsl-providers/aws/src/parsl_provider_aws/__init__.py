"""Parsl's AWSProvider as a plugin distribution (``parsl.providers.aws`` resolves here)."""
