"""Parsl's TorqueProvider as a plugin distribution (``parsl.providers.torque`` resolves here)."""
