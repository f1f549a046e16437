"""Execution providers: the built-in LocalProvider and those of installed plugins (``SlurmProvider``...).

``__all__`` holds the providers available now (see ``parsl.plugins.lazy``); importing one whose
plugin is not installed names the distribution to install.
"""

from parsl.plugins.lazy import module_getattr

#: Every provider a distribution of ours offers, under Parsl's class name.
EXPORTED = ("LocalProvider", "AdHocProvider", "CondorProvider", "GridEngineProvider", "SlurmProvider",
            "TorqueProvider", "LSFProvider", "PBSProProvider", "AWSProvider", "GoogleCloudProvider",
            "KubernetesProvider", "AzureProvider", "CobaltProvider", "OpenStackProvider")

__getattr__ = module_getattr("provider", __name__, EXPORTED)
