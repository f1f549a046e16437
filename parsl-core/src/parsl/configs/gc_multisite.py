"""Two Globus Compute endpoints (Perlmutter and Expanse) as two executors of one workflow."""

from parsl.config import Config
from parsl.executors import GlobusComputeExecutor
from parsl.usage_tracking.levels import LEVEL_1

# isort: split
# after the plugin: without it, the error names the distribution, not the SDK
from globus_compute_sdk import Executor

perlmutter_endpoint = "YOUR_PERLMUTTER_ENDPOINT_UUID"
expanse_endpoint = "YOUR_EXPANSE_ENDPOINT_UUID"

config = Config(
    executors=[
        GlobusComputeExecutor(executor=Executor(endpoint_id=perlmutter_endpoint), label="Perlmutter"),
        GlobusComputeExecutor(executor=Executor(endpoint_id=expanse_endpoint), label="Expanse"),
    ],
    usage_tracking=LEVEL_1,
)
