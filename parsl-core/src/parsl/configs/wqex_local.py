"""A Work Queue manager on this machine, under a fresh project name."""

import uuid

from parsl.config import Config
from parsl.executors import WorkQueueExecutor
from parsl.usage_tracking.levels import LEVEL_1

config = Config(
    executors=[
        WorkQueueExecutor(label="parsl-wq-example", project_name=f"parsl-wq-{uuid.uuid4()}", port=9123,
                          shared_fs=False),
    ],
    usage_tracking=LEVEL_1,
)
