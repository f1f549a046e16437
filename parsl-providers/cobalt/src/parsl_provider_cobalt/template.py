"""Parsl's ``parsl.providers.cobalt.template``: the job-script template this provider submits."""

from parsl_provider_cobalt.cobalt import TEMPLATE as template_string

__all__ = ["template_string"]
