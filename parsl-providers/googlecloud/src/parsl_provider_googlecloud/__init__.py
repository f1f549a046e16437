"""Parsl's GoogleCloudProvider as a plugin distribution (``parsl.providers.googlecloud`` resolves here)."""
