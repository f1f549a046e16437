"""One Amazon EC2 instance running a pool."""

from parsl.config import Config
from parsl.executors import HighThroughputExecutor
from parsl.providers import AWSProvider
from parsl.usage_tracking.levels import LEVEL_1

config = Config(
    executors=[
        HighThroughputExecutor(
            label="ec2_single_node",
            provider=AWSProvider(
                "YOUR_AMI_ID",
                region="YOUR_AWS_REGION",
                key_name="YOUR_KEY_NAME",
                profile="default",
                state_file="awsproviderstate.json",
                nodes_per_block=1,
                init_blocks=1,
                max_blocks=1,
                min_blocks=0,
                walltime="01:00:00",
            ),
        ),
    ],
    usage_tracking=LEVEL_1,
)
