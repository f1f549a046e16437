"""Run apps in threads of the workflow's own process (no plugin needed)."""

from parsl.config import Config
from parsl.executors.threads import ThreadPoolExecutor

config = Config(executors=[ThreadPoolExecutor()], usage_tracking=1)
