"""TACC Frontera (Slurm), from a login node: one two-node block for ten minutes."""

from parsl.configs._load import load

config = load(__name__)
