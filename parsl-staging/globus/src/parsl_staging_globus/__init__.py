"""Globus Transfer staging for Parsl. Served to Parsl code as ``parsl.data_provider.globus``.

``globus_sdk`` is imported only when a transfer or a login happens.
"""

from parsl_staging_globus.staging import GlobusStaging

__all__ = ["GlobusStaging"]
