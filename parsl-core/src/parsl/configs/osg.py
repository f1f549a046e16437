"""Open Science Grid (HTCondor): four single-node blocks, each building its own environment."""

from parsl.configs._load import load

config = load(__name__)
