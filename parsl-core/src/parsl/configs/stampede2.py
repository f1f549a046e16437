"""TACC Stampede2 (Slurm): two-node blocks, files staged through Globus."""

from parsl.addresses import address_by_interface
from parsl.configs._load import load

config = load(__name__, {"executors[0].address": address_by_interface("em3")})
