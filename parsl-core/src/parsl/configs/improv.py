"""Argonne LCRC Improv (PBS Pro): two-node blocks of 32 workers per node."""

from parsl.config import Config
from parsl.executors import HighThroughputExecutor
from parsl.launchers import MpiRunLauncher
from parsl.providers import PBSProProvider

config = Config(
    executors=[
        HighThroughputExecutor(
            label="Improv_multinode",
            max_workers_per_node=32,
            provider=PBSProProvider(
                account="YOUR_ALLOCATION_ON_IMPROV",
                scheduler_options="",
                queue="compute",
                worker_init="\nmodule load gcc/13.2.0;\nmodule load openmpi/5.0.3-gcc-13.2.0; ",
                launcher=MpiRunLauncher(),
                nodes_per_block=2,
                walltime="00:10:00",
            ),
        ),
    ],
)
