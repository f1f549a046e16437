"""Parsl container runtime ``podman``."""
