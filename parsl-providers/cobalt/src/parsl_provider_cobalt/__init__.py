"""Parsl's CobaltProvider as a plugin distribution (``parsl.providers.cobalt`` resolves here)."""
