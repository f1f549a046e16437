"""Parsl's ``parsl.providers.condor.template``: the job-script template this provider submits."""

from parsl_provider_condor.condor import TEMPLATE as template_string

__all__ = ["template_string"]
