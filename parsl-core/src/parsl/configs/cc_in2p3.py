"""CC-IN2P3 (Grid Engine): two single-node blocks of two workers."""

from parsl.configs._load import load

config = load(__name__)
