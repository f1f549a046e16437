"""Execution providers: the built-in LocalProvider and those of installed plugins (``SlurmProvider``...)."""

from parsl.plugins.lazy import module_getattr

__all__ = ["LocalProvider", "CondorProvider", "GridEngineProvider", "SlurmProvider", "TorqueProvider",
           "LSFProvider", "PBSProProvider", "AWSProvider", "GoogleCloudProvider", "KubernetesProvider",
           "AzureProvider"]

__getattr__ = module_getattr("provider", __name__)
