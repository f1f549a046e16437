"""Parsl's ``parsl.providers.lsf.template``: the job-script template this provider submits."""

from parsl_provider_lsf.lsf import TEMPLATE as template_string

__all__ = ["template_string"]
