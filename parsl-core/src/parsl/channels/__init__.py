"""Command channels: where a provider runs its scheduler commands and puts its job scripts.

``LocalChannel`` (the default) runs them on this machine; plugins add others, such as
``SSHChannel`` from ``parsl-channel-ssh``. ``from parsl.channels import SSHChannel`` finds it
among the installed plugins, as ``parsl.providers`` does for providers.
"""

from parsl.channels.base import Channel as Channel
from parsl.channels.errors import ChannelError as ChannelError
from parsl.channels.local import LocalChannel as LocalChannel
from parsl.plugins.lazy import module_getattr

#: ``__all__``, computed when asked for: ``SSHChannel`` only while parsl-channel-ssh is installed.
EXPORTED = ("Channel", "ChannelError", "LocalChannel", "SSHChannel")

__getattr__ = module_getattr("channel", __name__, EXPORTED)
