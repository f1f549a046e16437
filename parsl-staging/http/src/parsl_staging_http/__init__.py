"""HTTP(S) staging for Parsl: ``File("https://...")`` as an app input.

Served to Parsl code as ``parsl.data_provider.http``.
"""

from parsl_staging_http.staging import HTTPInTaskStaging, HTTPSeparateTaskStaging

__all__ = ["HTTPInTaskStaging", "HTTPSeparateTaskStaging"]
