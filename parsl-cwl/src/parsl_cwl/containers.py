"""``DockerRequirement`` through Parsl's container-runtime plugins.

cwltool decides everything CWL says about a container job: the paths the command sees (inputs
staged read-only under a staging folder, the output directory at ``dockerOutputDirectory`` or a
fresh path, the temporary directory at ``/tmp``), ``HOME`` and ``TMPDIR``, writable copies for
InitialWorkDir entries. :class:`ParslContainerJob` keeps that (it is cwltool's Docker job) but
neither pulls, inspects nor starts anything on the submitting side: it records the image, the
mounts and the environment as a :class:`~parsl_cwl.command.ContainerRun`, and the worker runs the
command through the runtime plugin (``podman``, ``docker``, ``apptainer``...), which never pulls.
"""

from __future__ import annotations

import functools
import os
from collections.abc import MutableMapping
from typing import Any, Callable, Optional

from cwltool.command_line_tool import CommandLineTool
from cwltool.context import LoadingContext, RuntimeContext
from cwltool.docker import DockerCommandLineJob
from cwltool.errors import UnsupportedRequirement
from cwltool.job import ContainerCommandLineJob, JobBase
from cwltool.process import Process
from cwltool.workflow import default_make_tool
from ruamel.yaml.comments import CommentedMap

from parsl_cwl.command import ContainerRun

#: Runtimes chosen, in this order, when none is named: the first whose plugin is installed.
DEFAULT_RUNTIMES = ("podman", "docker")


def choose_runtime(name: Optional[str]) -> Optional[str]:
    """``name``, checked to be an installed container-runtime plugin (``PluginNotFound`` says what
    to install); without a name the first of :data:`DEFAULT_RUNTIMES` installed, or None."""
    from parsl.plugins.manager import get_plugin_manager

    manager = get_plugin_manager()
    if name is None:
        return next((r for r in DEFAULT_RUNTIMES if manager.find("container_runtime", r) is not None), None)
    manager.get("container_runtime", name)
    return name


def tool_maker(runtime: Optional[str]) -> Callable[..., Process]:
    """cwltool's ``construct_tool_object`` that runs DockerRequirement tools on ``runtime``."""

    def make_tool(toolpath_object: CommentedMap, loadingContext: LoadingContext) -> Process:
        if isinstance(toolpath_object, MutableMapping) and toolpath_object.get("class") == "CommandLineTool":
            tool = ParslCommandLineTool(toolpath_object, loadingContext)
            tool.container_runtime = runtime
            return tool
        return default_make_tool(toolpath_object, loadingContext)

    return make_tool


class ParslCommandLineTool(CommandLineTool):
    """A CommandLineTool whose container jobs run through a Parsl container-runtime plugin."""

    container_runtime: Optional[str] = None

    def make_job_runner(self, runtimeContext: RuntimeContext) -> type[JobBase]:
        runner = super().make_job_runner(runtimeContext)  # refuses a required image under --no-container
        if not issubclass(runner, ContainerCommandLineJob):
            return runner
        requirement, _ = self.get_requirement("DockerRequirement")
        if self.container_runtime is None:
            raise UnsupportedRequirement(
                "DockerRequirement: no container runtime plugin is installed (install parsl-container-podman "
                "or another parsl-container-* distribution), or run with --no-container")
        if requirement is not None and not (requirement.get("dockerImageId") or requirement.get("dockerPull")):
            given = [key for key in ("dockerFile", "dockerLoad", "dockerImport") if key in requirement]
            raise UnsupportedRequirement(
                f"DockerRequirement with only {', '.join(given) or 'no image'}: parsl-cwl never builds, loads "
                "or imports images; make the image on the workers and name it with dockerImageId or dockerPull")
        return _job_class(self.container_runtime)


@functools.cache
def _job_class(runtime: str) -> type[ParslContainerJob]:
    return type(f"ParslContainerJob[{runtime}]", (ParslContainerJob,), {"runtime": runtime})


class ParslContainerJob(DockerCommandLineJob):
    """cwltool's Docker job, whose container is described for the worker instead of started here."""

    runtime: str = ""

    def get_from_requirements(self, r: Any, pull_image: bool, force_pull: bool, tmp_outdir_prefix: str,
                              image_base_path: Optional[str] = None) -> str:
        """The image to run, as named; whether it is present is the worker's runtime's to say."""
        self.image = str(r.get("dockerImageId") or r["dockerPull"])
        return self.image

    def create_runtime(self, env: Any, runtime_context: RuntimeContext) -> tuple[list[str], None]:
        """Collect the mounts cwltool's Docker job would bind (it also creates or copies what they
        need); the command line starts with the image only, which :meth:`container_run` drops."""
        mounts: list[Any] = []
        self.append_volume(mounts, os.path.realpath(self.outdir), self.builder.outdir, writable=True)
        self.append_volume(mounts, os.path.realpath(self.tmpdir), self.CONTAINER_TMPDIR, writable=True)
        self.add_volumes(self.pathmapper, mounts, any_path_okay=True, secret_store=runtime_context.secret_store,
                         tmpdir_prefix=runtime_context.tmpdir_prefix)
        if self.generatemapper is not None:
            required = bool(self.builder.get_requirement("DockerRequirement")[1])
            self.add_volumes(self.generatemapper, mounts, any_path_okay=required,
                             secret_store=runtime_context.secret_store, tmpdir_prefix=runtime_context.tmpdir_prefix)
        self.mounts = tuple(mounts)
        return [], None

    @staticmethod
    def append_volume(runtime: list[str], source: str, target: str, writable: bool = False,
                      skip_mkdirs: bool = False) -> None:
        """Record one bind mount (``runtime`` is the mount list :meth:`create_runtime` passes)."""
        if not skip_mkdirs and not os.path.exists(source):
            os.makedirs(source)
        runtime.append((source, target, not writable))  # type: ignore[arg-type]

    def container_run(self, commands: list[str]) -> tuple[list[str], ContainerRun]:
        """The command in the container (without the leading image) and where it runs.

        A redirected stdin is read inside the container (``sh`` redirects it), because runtime
        clients do not all pass their own stdin on."""
        if commands[:1] != [self.image]:
            raise AssertionError(f"a container job's command should start with its image {self.image!r}: {commands}")
        argv = commands[1:]
        if self.stdin is not None:
            argv = ["/bin/sh", "-c", 'exec "$@" < "$0"', self.stdin, *argv]
        run = ContainerRun(runtime=self.runtime, image=self.image, mounts=self.mounts, workdir=self.builder.outdir,
                           env=dict(self.environment), network=bool(self.networkaccess))
        return argv, run
