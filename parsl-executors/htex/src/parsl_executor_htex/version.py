"""Versions a worker pool must share with its interchange: this distribution's and Python's."""

import sys

VERSION = "2026.11.25"
PYTHON = f"{sys.version_info[0]}.{sys.version_info[1]}"
