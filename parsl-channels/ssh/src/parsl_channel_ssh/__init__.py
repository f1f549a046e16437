"""Parsl's SSHChannel as a plugin distribution (``parsl.channels.ssh`` resolves here)."""

from parsl_channel_ssh.channel import SSHChannel

__all__ = ["SSHChannel"]
