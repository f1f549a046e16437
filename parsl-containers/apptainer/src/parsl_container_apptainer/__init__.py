"""Parsl container runtime ``apptainer``."""
