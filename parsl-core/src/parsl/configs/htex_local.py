"""One HighThroughputExecutor pool on this machine: one worker per core."""

from parsl.configs._load import load

config = load(__name__)
