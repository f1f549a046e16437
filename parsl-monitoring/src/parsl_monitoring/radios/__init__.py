"""Parsl's monitoring radio configurations (``parsl.monitoring.radios``), accepted for compatibility.

In Parsl, a radio carries worker-side monitoring messages to the submit side, configured per
executor with ``remote_monitoring_radio=``. This plugin needs none: worker reports travel inside
task results (``Monitor.wrap_task``). The configuration classes exist so that Parsl
configurations naming a radio load unchanged; executors keep the object and never start it.
"""
