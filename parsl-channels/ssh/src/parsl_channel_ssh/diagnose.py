"""Turn what the OpenSSH client printed when it failed into the channel error that says why.

``ssh`` exits 255 for its own failures and writes the reason on stderr; the phrases matched here
are OpenSSH's (sshconnect.c, ssh.c), stable across releases.
"""

from __future__ import annotations

import re

from parsl.channels.errors import (
    AuthenticationFailed,
    ChannelError,
    HostKeyChanged,
    HostUnreachable,
    UnknownHostKey,
)

#: ssh's exit code for its own failures (a remote command's code is passed through otherwise).
SSH_FAILED = 255

_CAUSES: tuple[tuple[str, type[ChannelError], str], ...] = (
    (r"HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed", HostKeyChanged,
     "the host key differs from the one known or pinned for this host (possible impersonation); "
     "nothing was sent"),
    (r"No \S+ host key is known|Host key verification failed", UnknownHostKey,
     "no host key is known for this host: add it to known_hosts (host_keys_filename) or pin it (host_key)"),
    (r"Permission denied|Too many authentication failures", AuthenticationFailed,
     "authentication failed (check username and key_filename)"),
    (r"Connection refused|timed out|No route to host|Could not resolve hostname|Network is unreachable"
     r"|Connection closed|Connection reset|kex_exchange_identification", HostUnreachable,
     "cannot connect"),
)


def ssh_error(where: str, action: str, stderr: str) -> ChannelError:
    """The error for ssh failing while doing ``action`` on ``where`` (``user@host:port``)."""
    detail = "\n".join([line for line in stderr.splitlines() if line.strip()][-2:])  # not the banner
    for pattern, cls, reason in _CAUSES:
        if re.search(pattern, stderr):
            return cls(where, f"{reason} ({action})", detail)
    return ChannelError(where, f"ssh failed ({action})", detail)
