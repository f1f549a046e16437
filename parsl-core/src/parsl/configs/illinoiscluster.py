"""UIUC Campus Cluster (Slurm): two-node blocks, one 16-core worker per node."""

from parsl.configs._load import load

config = load(__name__)
