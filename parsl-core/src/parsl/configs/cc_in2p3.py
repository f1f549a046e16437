"""CC-IN2P3 (Grid Engine): two single-node blocks of two workers."""

from parsl.config import Config
from parsl.executors import HighThroughputExecutor
from parsl.providers import GridEngineProvider
from parsl.usage_tracking.levels import LEVEL_1

config = Config(
    executors=[
        HighThroughputExecutor(
            label="cc_in2p3_htex",
            max_workers_per_node=2,
            provider=GridEngineProvider(
                nodes_per_block=1,
                init_blocks=2,
                max_blocks=2,
                walltime="00:20:00",
                scheduler_options="",
                worker_init="",
            ),
        ),
    ],
    usage_tracking=LEVEL_1,
)
