"""A TaskVine manager on this machine, under a fresh project name."""

import uuid

from parsl.config import Config
from parsl.executors.taskvine import TaskVineExecutor, TaskVineManagerConfig
from parsl.usage_tracking.levels import LEVEL_1

config = Config(
    executors=[
        TaskVineExecutor(
            label="parsl-vine-example",
            manager_config=TaskVineManagerConfig(project_name=f"parsl-vine-{uuid.uuid4()}"),
        ),
    ],
    usage_tracking=LEVEL_1,
)
