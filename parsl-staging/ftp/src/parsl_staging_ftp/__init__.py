"""FTP staging for Parsl: ``File("ftp://...")`` as an app input or output.

Served to Parsl code as ``parsl.data_provider.ftp``.
"""

from parsl_staging_ftp.staging import FTPInTaskStaging, FTPSeparateTaskStaging

__all__ = ["FTPInTaskStaging", "FTPSeparateTaskStaging"]
