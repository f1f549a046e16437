"""LLNL TOSS3 clusters (Slurm): a Flux instance per block."""

from parsl.configs._load import load

config = load(__name__)
