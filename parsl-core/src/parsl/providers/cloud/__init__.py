"""The shared base of cloud providers: blocks are virtual machines that run a start-up script.

A plugin for one cloud subclasses :class:`CloudProvider` and implements three hooks (create an
instance, read instances' states, terminate instances) plus ``state_table``; the base does the
rest once for every cloud: rendering the start-up script (``worker_init``, the launcher's command,
the walltime limit, shutting the machine down unless ``linger``), the job-id bookkeeping, status
mapping, cancelling with a report of any instance left running, and the state file that lets a
later run find and clean up its instances.

    CloudProvider   the provider base class (``parsl.providers.cloud.provider``)
    CloudError      what a cloud API refused, with its error code (``parsl.providers.cloud.errors``)
    cloud_call      one API call, its library's errors raised as CloudError (``parsl.providers.cloud.calls``)
    InstanceState   one instance's state as the cloud names it, with the reason it gave
    StateFile       the JSON state file, written atomically (``parsl.providers.cloud.state``)
    startup_script  the start-up script an instance runs (``parsl.providers.cloud.script``)

``parsl.testing.startup.StartupRunner`` runs those scripts locally for tests against emulators.
"""

from parsl.providers.cloud.calls import cloud_call
from parsl.providers.cloud.errors import CloudError
from parsl.providers.cloud.provider import CloudProvider, InstanceState
from parsl.providers.cloud.script import startup_script, walltime_seconds
from parsl.providers.cloud.state import StateFile

__all__ = ["CloudError", "CloudProvider", "InstanceState", "StateFile", "cloud_call", "startup_script",
           "walltime_seconds"]
