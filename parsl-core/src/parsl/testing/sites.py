"""Hosts for remote-site tests: network namespaces on a private bridge, each with its own real sshd.

``sites(["login", "compute1", "compute2"])`` (root only) builds, for one test:

* a bridge with the submit side's address ``10.249.<n>.1`` (``n`` random per topology, so that
  concurrent test runs do not collide) -- the range exists only on this bridge;
* one network namespace per node with its own address on the bridge and loopback;
* in each node, Debian's ``sshd`` on port 22 with a fresh host key, accepting one fresh client key;
* for nodes named in ``isolated``, firewall rules inside the node that reject every new
  connection to the submit side, while answering connections the submit side opens.

Everything made -- processes inside the namespaces, namespaces, bridge, keys -- is removed when
the ``with`` block ends, also when it ends with an exception.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import subprocess
import tempfile
import threading
from typing import IO, Any, Dict, Iterator, List, Optional, Sequence

import attrs

SSHD = "/usr/sbin/sshd"


@attrs.define
class Node:
    """One host of the topology."""

    name: str
    namespace: str
    address: str
    host_key: str  # the sshd's public host key line, for pinning
    sshd_log: str

    def run(self, argv: Sequence[str], **kwargs: Any) -> subprocess.CompletedProcess[Any]:
        """Run ``argv`` inside this node's network namespace (checked, with a timeout)."""
        done: subprocess.CompletedProcess[Any] = subprocess.run(
            ["ip", "netns", "exec", self.namespace, *argv], check=True, timeout=60, capture_output=True, text=True,
            **kwargs)
        return done

    def popen(self, argv: Sequence[str], **kwargs: Any) -> subprocess.Popen[Any]:
        """Start ``argv`` inside this node's network namespace (removed with the topology)."""
        proc: subprocess.Popen[Any] = subprocess.Popen(["ip", "netns", "exec", self.namespace, *argv], **kwargs)
        return proc


@attrs.define
class Sites:
    """The submit side's address, the nodes by name, and the client key every sshd accepts."""

    submit_address: str
    nodes: Dict[str, Node]
    key_filename: str

    def __getitem__(self, name: str) -> Node:
        return self.nodes[name]


def _run(*argv: str) -> None:
    subprocess.run(argv, check=True, timeout=60, capture_output=True)


def start_sshd(state: str, address: str, port: int, netns: Optional[str],
               authorized_keys: str) -> tuple[subprocess.Popen, str, str]:
    """Start a foreground sshd on ``address:port`` and return (process, public host key, log path) once it listens.

    The rendezvous is sshd's own "Server listening" line on its stderr; a thread then drains
    stderr into the log so that sshd never blocks on a full pipe.
    """
    os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
    key = os.path.join(state, "host_ed25519")
    _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key)
    config = os.path.join(state, "sshd_config")
    with open(config, "w") as f:
        f.write(f"Port {port}\nListenAddress {address}\nHostKey {key}\nPidFile none\n"
                f"AuthorizedKeysFile {authorized_keys}\nPermitRootLogin prohibit-password\n"
                "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
                "MaxStartups 100:30:200\nMaxSessions 100\nSetEnv SHLVL=1\nAllowTcpForwarding yes\n"
                "LogLevel VERBOSE\nSubsystem sftp /usr/lib/openssh/sftp-server\n")
    prefix = ["ip", "netns", "exec", netns] if netns else []
    proc = subprocess.Popen([*prefix, SSHD, "-D", "-e", "-f", config], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    log = os.path.join(state, "sshd.log")
    ready = threading.Event()
    threading.Thread(target=_drain, args=(proc.stderr, log, ready), daemon=True).start()
    if not ready.wait(60) or proc.poll() is not None:
        proc.kill()
        proc.wait()
        with open(log) as f:
            raise RuntimeError(f"sshd on {address}:{port} did not start: {f.read()}")
    with open(key + ".pub") as f:
        return proc, " ".join(f.read().split()[:2]), log


def _drain(stream: IO[str], path: str, ready: threading.Event) -> None:
    with open(path, "a") as log:
        for line in stream:
            log.write(line)
            log.flush()
            if "Server listening" in line:
                ready.set()
    ready.set()  # sshd exited: the waiter checks proc.poll()


@contextlib.contextmanager
def sites(names: Sequence[str], isolated: Sequence[str] = ()) -> Iterator[Sites]:
    """Build the topology (see the module docstring); tear all of it down on exit."""
    n = random.randint(2, 250)
    tag = f"{os.getpid() % 10000:04d}{n:02x}"[-6:]
    bridge = f"psb{tag}"
    submit = f"10.249.{n}.1"
    state = tempfile.mkdtemp(prefix="parsl-sites-")
    namespaces: List[str] = []
    daemons: List[subprocess.Popen] = []
    try:
        client_key = os.path.join(state, "id_ed25519")
        _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", client_key)
        authorized = os.path.join(state, "authorized_keys")
        shutil.copy(client_key + ".pub", authorized)
        _run("ip", "link", "add", bridge, "type", "bridge")
        _run("ip", "addr", "add", f"{submit}/24", "dev", bridge)
        _run("ip", "link", "set", bridge, "up")
        nodes = {}
        for i, name in enumerate(names, start=2):
            ns, address = f"parsl-{tag}-{name}", f"10.249.{n}.{i}"
            _run("ip", "netns", "add", ns)
            namespaces.append(ns)
            outside, inside = f"ps{tag}{i}a", f"ps{tag}{i}b"
            _run("ip", "link", "add", outside, "type", "veth", "peer", "name", inside)
            _run("ip", "link", "set", inside, "netns", ns)
            _run("ip", "link", "set", outside, "master", bridge, "up")
            _run("ip", "-n", ns, "addr", "add", f"{address}/24", "dev", inside)
            _run("ip", "-n", ns, "link", "set", inside, "up")
            _run("ip", "-n", ns, "link", "set", "lo", "up")
            if name in isolated:
                _isolate(ns, submit)
            node_state = os.path.join(state, name)
            os.mkdir(node_state)
            proc, host_key, log = start_sshd(node_state, address, 22, ns, authorized)
            daemons.append(proc)
            nodes[name] = Node(name, ns, address, host_key, log)
        yield Sites(submit, nodes, client_key)
    finally:
        for ns in namespaces:
            _kill_namespace_processes(ns)
        for proc in daemons:
            proc.kill()
            proc.wait()
        for ns in namespaces:
            subprocess.run(["ip", "netns", "del", ns], timeout=60, capture_output=True)
        subprocess.run(["ip", "link", "del", bridge], timeout=60, capture_output=True)
        shutil.rmtree(state, ignore_errors=True)


def _isolate(ns: str, submit: str) -> None:
    """Inside ``ns``: answer the submit side's connections, reject any opened towards it."""
    rule = ["ip", "netns", "exec", ns, "iptables", "-A", "OUTPUT", "-d", submit]
    _run(*rule, "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT")
    _run(*rule, "-p", "tcp", "-j", "REJECT", "--reject-with", "tcp-reset")
    _run(*rule, "-j", "REJECT")


def _kill_namespace_processes(ns: str) -> None:
    """SIGKILL every process still in namespace ``ns`` (sessions, workers the test started there)."""
    out = subprocess.run(["ip", "netns", "pids", ns], timeout=60, capture_output=True, text=True).stdout
    for pid in out.split():
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pid), signal.SIGKILL)
