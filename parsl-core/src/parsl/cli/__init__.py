"""The ``parsl`` command line."""
