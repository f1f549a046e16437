"""Run apps in threads of the workflow's own process (no plugin needed)."""

from parsl.configs._load import load

config = load(__name__)
