"""Execution providers: the built-in LocalProvider and those of installed plugins (``SlurmProvider``...).

``__all__`` holds the providers available now (see ``parsl.plugins.lazy``); Parsl's cloud and
Kubernetes providers are planned, not provided, and importing one says so.
"""

from parsl.plugins.lazy import module_getattr

#: Every provider a distribution of ours offers, under Parsl's class name.
EXPORTED = ("LocalProvider", "AdHocProvider", "CondorProvider", "GridEngineProvider", "SlurmProvider",
            "TorqueProvider", "LSFProvider", "PBSProProvider")

__getattr__ = module_getattr("provider", __name__, EXPORTED)
