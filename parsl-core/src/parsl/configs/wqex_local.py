"""A Work Queue manager on this machine, under a fresh project name."""

import uuid

from parsl.configs._load import load

config = load(__name__, {"executors[0].project_name": f"parsl-wq-{uuid.uuid4()}"})
