"""ALCF Polaris (PBS Pro): one worker per GPU, four per node, pools started by mpiexec."""

from parsl.addresses import address_by_interface
from parsl.configs._load import load

config = load(__name__, {"executors[0].address": address_by_interface("bond0")})
