"""Parsl's ``parsl.monitoring.visualization``: here only ``app.cli_run``, the ``parsl-visualize`` command.

Parsl's Flask modules (models, views, plots) have no counterpart: the web UI is
``parsl_monitoring.dashboard``.
"""
