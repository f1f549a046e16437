"""rsync-over-SSH staging for Parsl. Served to Parsl code as ``parsl.data_provider.rsync``."""

from parsl_staging_rsync.sites import RSyncSiteStaging
from parsl_staging_rsync.staging import RSyncStaging

__all__ = ["RSyncSiteStaging", "RSyncStaging"]
