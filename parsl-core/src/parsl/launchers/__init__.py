"""Launchers, all built into the core and registered through its plugin entry point."""

from parsl.plugins.lazy import module_getattr

__all__ = ["SimpleLauncher", "WrappedLauncher", "SingleNodeLauncher", "GnuParallelLauncher",
           "MpiExecLauncher", "MpiRunLauncher", "SrunLauncher", "SrunMPILauncher", "AprunLauncher",
           "JsrunLauncher", "ContainerLauncher"]

__getattr__ = module_getattr("launcher", __name__)
