"""Argonne LCRC Improv (PBS Pro): two-node blocks of 32 workers per node."""

from parsl.configs._load import load

config = load(__name__)
