"""A TaskVine manager on this machine, under a fresh project name."""

import uuid

from parsl.configs._load import load

config = load(__name__, {"executors[0].manager_config.project_name": f"parsl-vine-{uuid.uuid4()}"})
