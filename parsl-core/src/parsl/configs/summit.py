"""OLCF Summit (LSF), from a login node: two-node blocks started by jsrun."""

from parsl.addresses import address_by_interface
from parsl.configs._load import load

config = load(__name__, {"executors[0].address": address_by_interface("ib0")})
