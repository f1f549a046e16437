"""NSCC ASPIRE 1 (PBS Pro): array jobs of three nodes, MPI-started pools, monitoring and checkpoints."""

from parsl.addresses import address_by_interface
from parsl.configs._load import load

_ib0 = address_by_interface("ib0")
config = load(__name__, {"executors[0].address": _ib0, "monitoring.hub_address": _ib0})
