"""Finding and reaching the API server: a kubeconfig file, else the in-cluster service account.

Everything here imports the ``kubernetes`` client on first call only. A problem is reported with
the file or URL that was tried, so ``parsl.load`` fails saying where it looked.
"""

from __future__ import annotations

import os
from typing import Any, Optional, Tuple

from parsl_provider_kubernetes.errors import KubernetesAPIError, KubernetesUnavailable

#: Seconds to connect to, and to wait for an answer from, the API server on each request.
REQUEST_TIMEOUT: Tuple[float, float] = (10.0, 60.0)

_IN_CLUSTER_HOST = "KUBERNETES_SERVICE_HOST"


def kubeconfig_path() -> str:
    """The kubeconfig the client reads: ``$KUBECONFIG`` (possibly a ``:``-separated list) or ``~/.kube/config``."""
    return os.environ.get("KUBECONFIG") or os.path.expanduser("~/.kube/config")


def _existing(paths: str) -> bool:
    return any(os.path.exists(os.path.expanduser(p)) for p in paths.split(os.pathsep) if p)


def load_configuration() -> Tuple[Any, str]:
    """Return a ``kubernetes.client.Configuration`` and a description of where it came from.

    As in Parsl, a kubeconfig file is tried first and the pod's service account second. The
    client's global default configuration is left alone, so two providers may use two clusters.
    """
    from kubernetes import client, config

    configuration = client.Configuration()
    path = kubeconfig_path()
    if _existing(path):
        try:
            config.load_kube_config(config_file=path, client_configuration=configuration)
        except (config.ConfigException, OSError, ValueError) as e:
            raise KubernetesUnavailable(f"cannot use the kubeconfig {path}: {e}") from e
        return configuration, f"kubeconfig {path}"
    if os.environ.get(_IN_CLUSTER_HOST):
        try:
            config.load_incluster_config(client_configuration=configuration)
        except config.ConfigException as e:
            raise KubernetesUnavailable(f"no kubeconfig at {path}, and the in-cluster configuration "
                                        f"failed: {e}") from e
        return configuration, "the in-cluster service account"
    raise KubernetesUnavailable(f"no Kubernetes configuration: no kubeconfig at {path} (set KUBECONFIG to "
                                f"its path), and this is not a pod ({_IN_CLUSTER_HOST} is not set)")


def connect(namespace: Optional[str] = None) -> Any:
    """Return a ``CoreV1Api`` that has answered once; check ``namespace`` exists when allowed to.

    The server's ``/version`` is asked first, so an unreachable URL or a rejected credential is
    reported now rather than at the first block.
    """
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException
    from urllib3.exceptions import HTTPError

    configuration, source = load_configuration()
    api_client = client.ApiClient(configuration)
    try:
        client.VersionApi(api_client).get_code(_request_timeout=REQUEST_TIMEOUT)
    except ApiException as e:
        raise KubernetesAPIError.from_api_exception(f"answer {configuration.host} (from {source})", e) from e
    except (HTTPError, OSError) as e:
        raise KubernetesUnavailable(f"the Kubernetes API server {configuration.host} (from {source}) "
                                    f"cannot be reached: {e}") from e
    core = client.CoreV1Api(api_client)
    if namespace is not None:
        try:
            core.read_namespace(namespace, _request_timeout=REQUEST_TIMEOUT)
        except ApiException as e:
            if e.status != 403:  # a user who may not read namespaces may still create pods in one
                raise KubernetesAPIError.from_api_exception(f"use namespace {namespace!r}", e) from e
    return core
