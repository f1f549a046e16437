"""Parsl container runtime ``docker``."""
