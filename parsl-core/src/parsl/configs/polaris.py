"""ALCF Polaris (PBS Pro): one worker per GPU, four per node, pools started by mpiexec."""

from parsl.addresses import address_by_interface
from parsl.config import Config
from parsl.executors import HighThroughputExecutor
from parsl.launchers import MpiExecLauncher
from parsl.providers import PBSProProvider
from parsl.usage_tracking.levels import LEVEL_1

config = Config(
    executors=[
        HighThroughputExecutor(
            available_accelerators=4,
            address=address_by_interface("bond0"),
            cpu_affinity="alternating",
            prefetch_capacity=0,
            provider=PBSProProvider(
                account="YOUR_ACCOUNT",
                worker_init="module load conda; conda activate YOUR_ENV",
                walltime="YOUR_WALLTIME",
                queue="prod",  # small runs belong in "debug" or "debug-scaling"
                scheduler_options="#PBS -l filesystems=home:eagle",
                launcher=MpiExecLauncher(bind_cmd="--cpu-bind", overrides="--depth=64 --ppn 1"),
                select_options="ngpus=4",
                nodes_per_block=128,
                min_blocks=0,
                max_blocks=1,
                cpus_per_node=64,
            ),
        ),
    ],
    usage_tracking=LEVEL_1,
)
