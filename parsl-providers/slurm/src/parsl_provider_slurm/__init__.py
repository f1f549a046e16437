"""Parsl's SlurmProvider as a plugin distribution (``parsl.providers.slurm`` resolves here)."""
