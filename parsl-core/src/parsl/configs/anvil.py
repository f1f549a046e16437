"""Purdue Anvil (Slurm), GPU partition: one worker per node, one GPU."""

from parsl.configs._load import load

config = load(__name__)
