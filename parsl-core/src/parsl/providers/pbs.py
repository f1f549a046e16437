"""``PBSProvider``: what the PBS family (PBS Professional, OpenPBS, TORQUE) shares.

Both plugins submit with ``qsub``, delete with ``qdel``, print job ids as ``123.server`` (and
list them in other spellings of the server name), take ``#PBS -q``/``-A`` directives and say
``Unknown Job Id`` for a job they no longer know. Each plugin adds its ``qstat`` and states.
"""

from __future__ import annotations

from typing import ClassVar, Mapping, Optional

from parsl.providers.cluster_provider import ClusterProvider


class PBSProvider(ClusterProvider):
    """The commands and directives shared by PBS Professional and TORQUE."""

    directives: ClassVar[Mapping[str, str]] = {"queue": "#PBS -q {}", "account": "#PBS -A {}"}
    submit_command: ClassVar[str] = "qsub {script}"
    status_id_separator: ClassVar[str] = " "
    cancel_command: ClassVar[str] = "qdel {job_ids}"
    job_id_pattern: ClassVar[str] = r"^(?P<id>\d+(\.\S+)?)\s*$"
    strip_job_id_suffix: ClassVar[bool] = True
    unknown_job_pattern: ClassVar[Optional[str]] = "Unknown Job Id"
