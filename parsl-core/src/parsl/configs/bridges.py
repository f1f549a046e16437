"""PSC Bridges (Slurm), from a login node: blocks of two nodes for ten minutes."""

from parsl.addresses import address_by_interface
from parsl.configs._load import load

config = load(__name__, {"executors[0].address": address_by_interface("ens3f0")})
