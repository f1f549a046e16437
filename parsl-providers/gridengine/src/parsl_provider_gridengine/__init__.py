"""Parsl's GridEngineProvider as a plugin distribution (``parsl.providers.grid_engine`` resolves here)."""
