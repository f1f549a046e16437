"""Parsl's PBSProProvider as a plugin distribution (``parsl.providers.pbspro`` resolves here)."""
