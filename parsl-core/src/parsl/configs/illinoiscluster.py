"""UIUC Campus Cluster (Slurm): two-node blocks, one 16-core worker per node."""

from parsl.config import Config
from parsl.executors import HighThroughputExecutor
from parsl.launchers import SrunLauncher
from parsl.providers import SlurmProvider
from parsl.usage_tracking.levels import LEVEL_1

config = Config(
    executors=[
        HighThroughputExecutor(
            label="CC_htex",
            worker_debug=False,
            cores_per_worker=16.0,
            provider=SlurmProvider(
                partition="secondary-fdr",
                nodes_per_block=2,
                init_blocks=1,
                max_blocks=1,
                scheduler_options="",
                cmd_timeout=60,
                walltime="00:10:00",
                launcher=SrunLauncher(),
                worker_init="conda activate envParsl",  # an environment with Parsl installed
            ),
        ),
    ],
    usage_tracking=LEVEL_1,
)
