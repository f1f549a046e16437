"""A stand-in kubelet, so tests can run pods on a real ``kube-apiserver`` that has no nodes.

``KubeNode`` registers a Node, binds the pending pods of one namespace to it, runs each pod's
first container (its ``command`` and ``args``) as a local process, or in a real podman container
with ``runtime="podman"``, and reports the pod's phase and the container's state and exit code
through the pod's status, as a kubelet does. It serves the kubelet's ``/containerLogs`` endpoint
over HTTPS, so ``kubectl logs`` and the client's ``read_namespaced_pod_log`` go through the API
server for real, and it completes deletions (a pod with a ``deletionTimestamp`` has its process
killed and is then deleted with grace period 0).

What a real kubelet does that this does not: images (a local process ignores them; podman must
already have them), volumes, probes, restarts, resource enforcement. It needs the ``kubernetes``
client and the ``openssl`` command, and is used from tests only::

    with KubeNode(kubeconfig, namespace="t1") as node:
        ...   # pods created in namespace t1 run; node.started / node.removed count them
"""

from __future__ import annotations

import datetime
import http.server
import logging
import os
import signal
import ssl
import subprocess
import tempfile
import threading
import urllib.parse
import uuid
from collections import deque
from typing import Any, Dict, List, Optional, Tuple

import attrs

logger = logging.getLogger(__name__)

#: Seconds a deleted pod's process gets after SIGTERM before SIGKILL (capped grace period).
MAX_GRACE = 5.0


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@attrs.define(eq=False)
class _Running:
    """A container this node started: its process, log file and the times it reports."""

    namespace: str
    pod: str
    uid: str
    container: str
    image: str
    proc: subprocess.Popen
    log_path: str
    started_at: str
    runtime_name: Optional[str] = None
    reported_exit: bool = False
    #: False for a container that never started (its image is missing).
    ran: bool = True


class KubeNode:
    """A node agent for the pods of ``namespace``; ``start()``/``stop()`` or use as a context manager."""

    def __init__(self, kubeconfig: str, namespace: str, *, runtime: Optional[str] = None,
                 poll_interval: float = 0.2, name: Optional[str] = None):
        self.kubeconfig = kubeconfig
        self.namespace = namespace
        self.runtime = runtime
        self.poll_interval = poll_interval
        self.name = name or f"parsl-ci-node-{uuid.uuid4().hex[:8]}"
        #: Pods whose container this node started, and those of them that are gone from the API.
        self.started: List[str] = []
        self.removed: List[str] = []
        self._running: Dict[Tuple[str, str], _Running] = {}
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._server: Optional[http.server.ThreadingHTTPServer] = None
        self._dir = tempfile.mkdtemp(prefix="kube-node-")
        self._core: Any = None
        self.errors: List[str] = []

    # -- life cycle -----------------------------------------------------------------------------

    def __enter__(self) -> KubeNode:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        from kubernetes import client, config

        self._core = client.CoreV1Api(config.new_client_from_config(config_file=self.kubeconfig))
        port = self._serve_logs()
        self._core.create_node({"apiVersion": "v1", "kind": "Node", "metadata": {
            "name": self.name, "labels": {"kubernetes.io/hostname": self.name}}}, _preload_content=False)
        self._core.patch_node_status(self.name, {"status": {
            "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": port}},
            "capacity": {"cpu": "64", "memory": "256Gi", "pods": "250"},
            "allocatable": {"cpu": "64", "memory": "256Gi", "pods": "250"},
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                            "message": "parsl.testing.kube_node", "lastHeartbeatTime": _now(),
                            "lastTransitionTime": _now()}],
        }}, _preload_content=False)
        self._thread = threading.Thread(target=self._loop, name=f"kube-node-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the loop, kill what still runs, unregister the Node, stop serving logs."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(60)
        for running in list(self._running.values()):
            self._kill(running, 0)
        if self._core is not None:
            try:
                self._core.delete_node(self.name, _preload_content=False)
            except Exception as e:  # the API server may be gone already
                logger.warning("Could not delete node %s: %s", self.name, e)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _loop(self) -> None:
        while not self._stop.wait(self.poll_interval):
            try:
                self.sync()
            except Exception as e:  # keep serving; a test reads node.errors when something is off
                logger.exception("kube node %s: sync failed", self.name)
                self.errors.append(repr(e))

    # -- one pass -------------------------------------------------------------------------------

    def sync(self) -> None:
        """Bind, start, report and delete once, for every pod of the namespace."""
        pods = self._core.list_namespaced_pod(self.namespace).items
        listed = set()
        for pod in pods:
            key = (pod.metadata.namespace, pod.metadata.name)
            listed.add(key)
            if pod.metadata.deletion_timestamp is not None:
                self._unless_gone(self._finish_deletion, pod)
            elif not pod.spec.node_name:
                self._unless_gone(self._bind, pod)
            elif pod.spec.node_name == self.name and key not in self._running and pod.status.phase == "Pending":
                self._unless_gone(self._run, pod)
        for key, running in list(self._running.items()):
            if key not in listed:  # deleted: by us below, or at once by the API server (an ended pod)
                self._kill(running, 0)
                del self._running[key]
                if running.ran:
                    self.removed.append(running.pod)
            elif not running.reported_exit and running.proc.poll() is not None:
                self._unless_gone(self._report_exit, running)

    @staticmethod
    def _unless_gone(action: Any, target: Any) -> None:
        """Run ``action(target)``; a pod deleted (404) or changed (409) meanwhile waits for the next pass."""
        from kubernetes.client.exceptions import ApiException

        try:
            action(target)
        except ApiException as e:
            if e.status not in (404, 409):
                raise

    def _bind(self, pod: Any) -> None:
        self._core.create_namespaced_pod_binding(pod.metadata.name, pod.metadata.namespace, {
            "apiVersion": "v1", "kind": "Binding", "metadata": {"name": pod.metadata.name},
            "target": {"apiVersion": "v1", "kind": "Node", "name": self.name}}, _preload_content=False)

    def _run(self, pod: Any) -> None:
        container = pod.spec.containers[0]
        name, namespace = pod.metadata.name, pod.metadata.namespace
        if self.runtime and not self._image_present(container.image):
            self._patch_status(pod, {"phase": "Pending", "containerStatuses": [self._container_status(
                container.name, container.image, {"waiting": {
                    "reason": "ImagePullBackOff",
                    "message": f'Back-off pulling image "{container.image}": node {self.name} has no such '
                               f"image and pulls none"}})]})
            self._running[(namespace, name)] = _Running(namespace, name, pod.metadata.uid, container.name,
                                                        container.image, _finished(), os.devnull, _now(),
                                                        reported_exit=True, ran=False)
            return
        log_path = os.path.join(self._dir, f"{namespace}_{name}_{container.name}.log")
        pod_env = self._environment(pod, container)
        argv = [*(container.command or []), *(container.args or [])]
        env, runtime_name = {**os.environ, **pod_env}, None
        env.pop("KUBECONFIG", None)
        if self.runtime:
            runtime_name = f"k8s_{container.name}_{name}_{namespace}"[:250]
            flags = [f for k, v in pod_env.items() for f in ("-e", f"{k}={v}")]
            argv = [self.runtime, "run", "--rm", "--pull=never", "--network=host", "--name", runtime_name,
                    *flags, container.image, *argv]
            env = dict(os.environ)
        workdir = container.working_dir or tempfile.mkdtemp(prefix=f"{name}-", dir=self._dir)
        with open(log_path, "wb") as log:
            try:
                proc: subprocess.Popen = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                                          stderr=subprocess.STDOUT, env=env, cwd=workdir,
                                                          start_new_session=True)
            except OSError as e:  # no such command: what a container runtime reports as exit 127
                log.write(f"{e}\n".encode())
                proc = _finished(127)
        running = _Running(namespace, name, pod.metadata.uid, container.name, container.image, proc, log_path,
                           _now(), runtime_name)
        self._running[(namespace, name)] = running
        self.started.append(name)
        self._patch_status(pod, {"phase": "Running", "startTime": running.started_at, "containerStatuses": [
            self._container_status(container.name, container.image, {"running": {"startedAt": running.started_at}},
                                   ready=True)]})

    def _environment(self, pod: Any, container: Any) -> Dict[str, str]:
        """The container's environment: ``HOSTNAME`` = the pod name (as a kubelet sets it), then its env."""
        fields = {"metadata.name": pod.metadata.name, "metadata.namespace": pod.metadata.namespace,
                  "metadata.uid": pod.metadata.uid, "spec.nodeName": self.name, "status.podIP": "127.0.0.1",
                  "status.hostIP": "127.0.0.1"}
        env = {"HOSTNAME": pod.metadata.name}
        for var in container.env or []:
            if var.value is not None:
                env[var.name] = var.value
            elif var.value_from is not None and var.value_from.field_ref is not None:
                env[var.name] = fields.get(var.value_from.field_ref.field_path, "")
        return env

    def _image_present(self, image: str) -> bool:
        return subprocess.run([str(self.runtime), "image", "exists", image], check=False,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60).returncode == 0

    def _report_exit(self, running: _Running) -> None:
        code = running.proc.returncode
        if code < 0:  # killed by a signal: what a container runtime reports
            code = 128 - code
        terminated = {"exitCode": code, "reason": "Completed" if code == 0 else "Error",
                      "startedAt": running.started_at, "finishedAt": _now()}
        self._patch_status_of(running.namespace, running.pod, {
            "phase": "Succeeded" if code == 0 else "Failed",
            "containerStatuses": [self._container_status(running.container, running.image,
                                                         {"terminated": terminated})]})
        running.reported_exit = True

    def _finish_deletion(self, pod: Any) -> None:
        """Kill the pod's process (within its grace period, at most ``MAX_GRACE``), then remove it."""
        running = self._running.get((pod.metadata.namespace, pod.metadata.name))
        if running is not None:
            self._kill(running, min(MAX_GRACE, float(pod.metadata.deletion_grace_period_seconds or 0)))
        self._core.delete_namespaced_pod(pod.metadata.name, pod.metadata.namespace, body={
            "gracePeriodSeconds": 0, "preconditions": {"uid": pod.metadata.uid}}, _preload_content=False)

    def _kill(self, running: _Running, grace: float) -> None:
        if running.proc.poll() is not None:
            return
        if running.runtime_name:
            subprocess.run([str(self.runtime), "rm", "-f", "-t", str(int(grace)), running.runtime_name], check=False,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
        else:
            _signal_group(running.proc, signal.SIGTERM)
            try:
                running.proc.wait(grace)
            except subprocess.TimeoutExpired:
                pass
        _signal_group(running.proc, signal.SIGKILL)
        running.proc.wait()

    # -- status ---------------------------------------------------------------------------------

    def _container_status(self, name: str, image: str, state: Dict[str, Any], ready: bool = False) -> Dict[str, Any]:
        return {"name": name, "image": image, "imageID": "", "ready": ready, "restartCount": 0,
                "started": "running" in state, "state": state}

    def _patch_status(self, pod: Any, status: Dict[str, Any]) -> None:
        self._patch_status_of(pod.metadata.namespace, pod.metadata.name, status)

    def _patch_status_of(self, namespace: str, name: str, status: Dict[str, Any]) -> None:
        status = {"hostIP": "127.0.0.1", "podIP": "127.0.0.1", **status}
        self._core.patch_namespaced_pod_status(name, namespace, {"status": status}, _preload_content=False)

    # -- the kubelet's log endpoint -------------------------------------------------------------

    def _serve_logs(self) -> int:
        cert, key = os.path.join(self._dir, "kubelet.crt"), os.path.join(self._dir, "kubelet.key")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", f"/CN={self.name}", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key, "-out", cert], check=True, capture_output=True, timeout=120)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        node = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                parts = url.path.strip("/").split("/")
                body = node._log(parts, urllib.parse.parse_qs(url.query))
                if body is None:
                    self.send_error(404, f"no container log at {url.path}")
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                logger.debug("kubelet log endpoint: " + format, *args)

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        threading.Thread(target=self._server.serve_forever, name=f"kubelet-logs-{self.name}", daemon=True).start()
        return int(self._server.server_address[1])

    def _log(self, parts: List[str], query: Dict[str, List[str]]) -> Optional[bytes]:
        """``/containerLogs/<namespace>/<pod>/<container>``, with ``tailLines`` and ``limitBytes``."""
        if len(parts) != 4 or parts[0] != "containerLogs":
            return None
        path = os.path.join(self._dir, f"{parts[1]}_{parts[2]}_{parts[3]}.log")
        try:
            with open(path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return None
        if "tailLines" in query:
            data = b"".join(deque(data.splitlines(keepends=True), maxlen=int(query["tailLines"][0])))
        if "limitBytes" in query:
            data = data[:int(query["limitBytes"][0])]
        return data


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _finished(code: int = 0) -> subprocess.Popen:
    """A process that has already exited with ``code``, standing in for one that could not start."""
    proc = subprocess.Popen(["/bin/sh", "-c", f"exit {code}"])
    proc.wait()
    return proc
