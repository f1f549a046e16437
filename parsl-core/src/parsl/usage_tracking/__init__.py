"""Anonymous, opt-in usage tracking: ``Config(usage_tracking=LEVEL_1..3, project_name=...)``.

Off by default. When on, the DataFlowKernel sends two UDP datagrams, one when it has started
and one when it is cleaned up, each Parsl's protocol byte ``1`` followed by a JSON object:

- level 1 (``LEVEL_1``): a random correlator shared by both messages, the Parsl, parsl-core and
  Python versions, the operating system, the level, and ``project_name`` if given;
- level 2: also the names of the configuration's components (executor, provider, launcher...
  classes; see ``parsl.usage_tracking.api``);
- level 3: also start and end times, and in the end message the number of tasks and of failed
  tasks.

Messages go to ``tracking.parsl-project.org:50077`` unless ``PARSL_USAGE_TRACKING_ENDPOINT`` is
``host:port`` (``[v6addr]:port`` for IPv6); a malformed value is a ``ConfigurationError`` when the
workflow loads. Setting ``PARSL_DISABLE_USAGE_TRACKING`` or ``DO_NOT_TRACK`` to anything but
``""``, ``0`` or ``false`` turns tracking off whatever the configuration says.

Sending never holds up the workflow: a daemon thread resolves the address (messages given
meanwhile wait for it); after that each message goes out at once on a non-blocking socket. A
message that cannot be sent is dropped, and the first such failure is logged (at INFO) once.
"""
