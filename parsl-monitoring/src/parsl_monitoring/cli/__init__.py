"""Command-line entry points: ``parsl status``, ``parsl monitor serve|export``, ``parsl-visualize``."""
