"""Open Science Grid (HTCondor): four single-node blocks, each building its own environment."""

from parsl.config import Config
from parsl.executors import HighThroughputExecutor
from parsl.providers import CondorProvider
from parsl.usage_tracking.levels import LEVEL_1

config = Config(
    executors=[
        HighThroughputExecutor(
            label="OSG_HTEX",
            max_workers_per_node=1,
            provider=CondorProvider(
                nodes_per_block=1,
                init_blocks=4,
                max_blocks=4,
                scheduler_options='\n+ProjectName = "MyProject"\nRequirements = HAS_MODULES=?=TRUE\n',
                worker_init=("unset HOME; unset PYTHONPATH; module load python/3.7.0;\n"
                             "python3 -m venv parsl_env; source parsl_env/bin/activate; python3 -m pip install parsl"),
                walltime="00:20:00",
            ),
            worker_logdir_root="$OSG_WN_TMP",
            worker_port=31000,
        ),
    ],
    usage_tracking=LEVEL_1,
)
