"""NCSA Delta (Slurm), A100 partition: one worker and one GPU per node."""

from parsl.configs._load import load

config = load(__name__)
