"""Parsl's CondorProvider as a plugin distribution (``parsl.providers.condor`` resolves here)."""
