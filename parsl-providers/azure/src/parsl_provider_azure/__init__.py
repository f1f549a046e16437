"""Parsl's AzureProvider as a plugin distribution (``parsl.providers.azure`` resolves here)."""
