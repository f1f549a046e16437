"""One Amazon EC2 instance running a pool."""

from parsl.configs._load import load

config = load(__name__)
