"""Parsl's ``parsl.providers.torque.template``: the job-script template this provider submits."""

from parsl_provider_torque.torque import TEMPLATE as template_string

__all__ = ["template_string"]
