"""UChicago RCC Midway (Slurm): two-node blocks of two workers per node."""

from parsl.addresses import address_by_interface
from parsl.configs._load import load

config = load(__name__, {"executors[0].address": address_by_interface("bond0")})
