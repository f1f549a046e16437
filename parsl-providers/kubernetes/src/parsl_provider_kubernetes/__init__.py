"""Parsl's ``KubernetesProvider``: each block is one pod, created through the official ``kubernetes`` client.

The client library is imported when a provider first talks to the API server, never when the
plugin is registered.
"""

from parsl_provider_kubernetes.kube import KubernetesProvider

__all__ = ["KubernetesProvider"]
