"""Parsl container runtime ``charliecloud``."""
