"""``SSHChannel``: scheduler commands and job scripts on a remote host, through the OpenSSH client.

One master connection per channel (``ControlMaster``) carries every command, so a status poll
costs a round trip, not a handshake. The host key is always checked (``StrictHostKeyChecking=yes``
on the command line, which no ssh_config entry can weaken): against ``host_keys_filename``, or a
key pinned in the config (``host_key``), or else the user's ``~/.ssh/known_hosts``. ``BatchMode``
means no prompt ever waits for a password, and every command has a timeout (``cmd_timeout`` when
the caller gives none), so nothing hangs on a host that does not answer.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
import weakref
from typing import Dict, List, Optional

import attrs

from parsl.channels.base import Channel
from parsl.channels.errors import ChannelError, HostUnreachable, TunnelError
from parsl.plugins.settings import settings
from parsl.providers.errors import SchedulerCommandTimeout
from parsl.providers.shell import Command, CommandResult, display, execute_wait, kill_process_group
from parsl_channel_ssh.agent import KeyAgent
from parsl_channel_ssh.diagnose import SSH_FAILED, ssh_error

#: Where job scripts go on the remote host when ``script_dir`` is not set (relative to the home directory).
DEFAULT_SCRIPT_DIR = ".parsl/submit_scripts"


def _refuse_password(inst: object, attribute: attrs.Attribute, value: Optional[str]) -> None:
    if value is not None:
        raise ValueError("SSHChannel.password: password authentication is not supported (it would need a "
                         "prompt); give key_filename, or load the key into ssh-agent")


@settings
class SSHChannel(Channel):
    """A remote host reached over SSH; Parsl's keywords and order, plus ``host_key`` and timeouts.

    ``host_key`` pins the host's public key (``"ssh-ed25519 AAAA..."``, a line of the host's
    ``/etc/ssh/ssh_host_*_key.pub``); ``envs`` are exported before every command.
    """

    hostname: str
    username: Optional[str] = None
    password: Optional[str] = attrs.field(default=None, validator=_refuse_password)
    script_dir: Optional[str] = None
    envs: Dict[str, str] = attrs.field(factory=dict)
    gssapi_auth: bool = False
    port: int = 22
    key_filename: Optional[str] = None
    host_keys_filename: Optional[str] = None
    host_key: Optional[str] = attrs.field(default=None, kw_only=True)
    connect_timeout: float = attrs.field(default=30, kw_only=True)
    cmd_timeout: float = attrs.field(default=60, kw_only=True)

    def __attrs_post_init__(self) -> None:
        self._lock = threading.Lock()
        self._state: Optional[str] = None
        self._remote_script_dir: Optional[str] = None
        self._finalizer: Optional[weakref.finalize] = None
        self._agent: Optional[KeyAgent] = None

    # -- what users see ----------------------------------------------------------------------

    @property
    def where(self) -> str:
        """``user@host:port``, as errors name the host."""
        user = f"{self.username}@" if self.username else ""
        return f"{user}{self.hostname}:{self.port}"

    def display(self, cmd: Command) -> str:
        return f"{display(cmd)} (on {self.where})"

    # -- the ssh command line ----------------------------------------------------------------

    def ssh_options(self, multiplexed: bool = True) -> List[str]:
        """Options for every ssh (and rsync ``-e``) invocation of this channel: auth, host key, mux.

        ``multiplexed=False`` makes a connection of its own (ssh takes the first value of an
        option, so the master's ControlPath cannot be overridden later on the command line).
        """
        control = os.path.join(self._state_dir(), "master") if multiplexed else "none"
        opts = ["-p", str(self.port), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
                "-o", f"ConnectTimeout={max(1, int(self.connect_timeout))}", "-o", "ServerAliveInterval=15",
                "-o", "ServerAliveCountMax=3", "-o", "LogLevel=ERROR", "-o", f"ControlPath={control}"]
        known_hosts = self._known_hosts()
        if known_hosts:
            opts += ["-o", f"UserKnownHostsFile={known_hosts}", "-o", "GlobalKnownHostsFile=/dev/null"]
        if self.key_filename:
            opts += ["-i", self.key_filename, "-o", "IdentitiesOnly=yes"]
        if self.username:
            opts += ["-l", self.username]
        if self.gssapi_auth:
            opts += ["-o", "GSSAPIAuthentication=yes"]
        return opts

    def _state_dir(self) -> str:
        """A private directory for the control socket and the pinned key (made on first use).

        It and the master connection go when the channel is closed or collected, or at exit.
        """
        if self._state is None:
            self._state = tempfile.mkdtemp(prefix="parsl-ssh-")
            self._finalizer = weakref.finalize(
                self, _stop_master, ["ssh", *self.ssh_options(), "-O", "exit", "--", self.hostname], self._state)
        return self._state

    def _known_hosts(self) -> Optional[str]:
        if self.host_key is None:
            return self.host_keys_filename
        path = os.path.join(self._state_dir(), "known_hosts")
        if not os.path.exists(path):
            pattern = self.hostname if self.port == 22 else f"[{self.hostname}]:{self.port}"
            with open(path, "w") as f:
                f.write(f"{pattern} {self.host_key.strip()}\n")
        return path

    # -- the master connection ---------------------------------------------------------------

    def connect(self) -> None:
        """Open the master connection if it is not open; raise the ``ChannelError`` that says why not."""
        with self._lock:
            if self._alive():
                return
            log_path = os.path.join(self._state_dir(), "master.log")
            argv = ["ssh", "-M", "-N", "-f", "-o", "ControlPersist=no", "-o", "ExitOnForwardFailure=yes",
                    *self.ssh_options(), "--", self.hostname]
            with open(log_path, "w") as log:  # -f forks a master that keeps stderr: a file, never a pipe
                proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                                        start_new_session=True)
                try:
                    code = proc.wait(timeout=self.connect_timeout + 5)
                except subprocess.TimeoutExpired:
                    kill_process_group(proc.pid, signal.SIGKILL)
                    proc.wait()
                    raise HostUnreachable(self.where, f"no answer within {self.connect_timeout} s "
                                          f"(connect_timeout)") from None
            if code != 0:
                with open(log_path) as log:
                    raise ssh_error(self.where, "connecting", log.read())

    def _alive(self) -> bool:
        """Whether a master was started (a stale socket is harmless: ssh then connects directly)."""
        return self._state is not None and os.path.exists(os.path.join(self._state, "master"))

    def close(self) -> None:
        with self._lock:
            if self._finalizer is not None:
                self._finalizer()
                self._finalizer = None
            if self._agent is not None:
                self._agent.close()
                self._agent = None
            self._state = None

    # -- commands and files ------------------------------------------------------------------

    def execute_wait(self, cmd: Command, walltime: Optional[float] = None,
                     stdin_path: Optional[str] = None) -> CommandResult:
        """Run ``cmd`` (an argument list, quoted for the remote shell, or a shell line) on the host."""
        self.connect()
        remote = cmd if isinstance(cmd, str) else shlex.join(cmd)
        if self.envs:
            remote = "".join(f"export {k}={shlex.quote(v)}; " for k, v in self.envs.items()) + remote
        argv = ["ssh", *self.ssh_options(), "-o", "ControlMaster=no", "--", self.hostname, remote]
        timeout = self.cmd_timeout if walltime is None else walltime
        try:
            result = execute_wait(argv, timeout, stdin_path)
        except SchedulerCommandTimeout as e:
            raise SchedulerCommandTimeout(self.display(cmd), e.timeout, e.stdout, e.stderr) from None
        if result.retcode == SSH_FAILED and _is_ssh_failure(result.stderr):
            raise ssh_error(self.where, f"running {display(cmd)}", result.stderr)
        return result

    def forward_remote(self, remote_port: int, local_host: str, local_port: int) -> bool:
        """Add a reverse forward to the master connection (it ends with the channel)."""
        self.connect()
        spec = f"127.0.0.1:{remote_port}:{local_host}:{local_port}"
        argv = ["ssh", *self.ssh_options(), "-O", "forward", "-R", spec, "--", self.hostname]
        result = execute_wait(argv, self.cmd_timeout)
        if result.retcode != 0:
            raise TunnelError(self.where, f"cannot forward port {remote_port} on the host to {local_host}:"
                              f"{local_port} (is port {remote_port} in use there?)", result.stderr)
        return True

    # -- file transfers between sites ------------------------------------------------------------

    def rsync_shell(self) -> str:
        """rsync's ``-e`` for this host from here: the channel's own options, through its master."""
        self.connect()
        return shlex.join(["ssh", *self.ssh_options()])

    def peer_shell(self, known_hosts_path: str) -> str:
        """rsync's ``-e`` for reaching this host from another host, whose copy of our host key is at
        ``known_hosts_path``; the credentials come from the agent the other host's session forwards."""
        opts = ["ssh", "-p", str(self.port), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
                "-o", f"ConnectTimeout={max(1, int(self.connect_timeout))}", "-o", "LogLevel=ERROR",
                "-o", f"UserKnownHostsFile={known_hosts_path}", "-o", "GlobalKnownHostsFile=/dev/null"]
        if self.username:
            opts += ["-l", self.username]
        return shlex.join(opts)

    def known_hosts_text(self) -> str:
        """The known_hosts lines that verify this host (public keys only), for a peer to check it."""
        with open(self._known_hosts() or os.path.expanduser("~/.ssh/known_hosts")) as f:
            return f.read()

    def agent_socket(self) -> Optional[str]:
        """An agent holding this channel's key (a private one for ``key_filename``, else the user's)."""
        if self.key_filename is None:
            return os.environ.get("SSH_AUTH_SOCK")
        with self._lock:
            if self._agent is None:
                self._agent = KeyAgent(self.key_filename, self.where)
            return self._agent.socket

    def execute_forwarding_agent(self, cmd: str, agent_socket: Optional[str],
                                 walltime: Optional[float] = None) -> CommandResult:
        """Run the shell line ``cmd`` on the host in a session of its own that forwards ``agent_socket``."""
        argv = ["ssh", *self.ssh_options(multiplexed=False), "-o", "ControlMaster=no"]
        if agent_socket:
            argv = ["env", f"SSH_AUTH_SOCK={agent_socket}", *argv, "-A"]
        timeout = self.cmd_timeout if walltime is None else walltime
        try:
            return execute_wait([*argv, "--", self.hostname, cmd], timeout)
        except SchedulerCommandTimeout as e:
            raise SchedulerCommandTimeout(self.display(cmd), e.timeout, e.stdout, e.stderr) from None

    def remote_dir(self, local_dir: str) -> str:
        """``script_dir`` on the host (created, made absolute once); the local directory is not used."""
        if self._remote_script_dir is None:
            wanted = self.script_dir or DEFAULT_SCRIPT_DIR
            quoted = shlex.quote(wanted)
            result = self.execute_wait(f"mkdir -p -- {quoted} && cd -- {quoted} && pwd -P")
            if result.retcode != 0 or not result.stdout.strip():
                raise ChannelError(self.where, f"cannot create script_dir {wanted!r}", result.stderr)
            self._remote_script_dir = result.stdout.strip().splitlines()[-1]
        return self._remote_script_dir

    def push_file(self, source: str, dest: str) -> None:
        q = shlex.quote(dest)
        result = self.execute_wait(f"mkdir -p -- \"$(dirname -- {q})\" && cat > {q} && chmod 755 -- {q}",
                                   stdin_path=source)
        if result.retcode != 0:
            raise ChannelError(self.where, f"cannot write {dest!r}", result.stderr)


def _is_ssh_failure(stderr: str) -> bool:
    """Whether ssh itself failed (its messages), rather than the remote command exiting 255."""
    return any(s in stderr for s in ("ssh:", "Host key", "HOST IDENTIFICATION", "Permission denied",
                                     "Connection closed", "Control socket"))


def _stop_master(argv: List[str], state_dir: str) -> None:
    """Stop the master connection (if any) and remove the channel's private directory."""
    if os.path.exists(os.path.join(state_dir, "master")):
        try:
            execute_wait(argv, 10)
        except SchedulerCommandTimeout:
            pass
    shutil.rmtree(state_dir, ignore_errors=True)
