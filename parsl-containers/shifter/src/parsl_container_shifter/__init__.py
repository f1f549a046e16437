"""Parsl container runtime ``shifter``."""
