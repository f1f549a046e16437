"""Parsl's ``parsl.providers.pbspro.template``: the job-script template this provider submits."""

from parsl_provider_pbspro.pbspro import TEMPLATE as template_string

__all__ = ["template_string"]
