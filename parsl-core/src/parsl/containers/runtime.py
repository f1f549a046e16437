"""The base class of every container-runtime plugin: it renders the command line that runs a
command in an image.

The base renders the Docker command-line form (``docker run --rm --name N --network=host -v
SRC:DST -w DIR -e K=V --gpus G IMAGE CMD...``), which most runtimes copy; a plugin overrides only
the pieces its runtime spells differently, as the cluster providers state only their scheduler's
commands.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import ClassVar, Mapping, Optional, Sequence

import attrs

from parsl.plugins.settings import settings


@attrs.frozen
class Mount:
    """A host path bind-mounted into the container (at the same path unless ``target`` is given)."""

    source: str
    target: Optional[str] = None
    read_only: bool = False

    @classmethod
    def parse(cls, spec: str) -> Mount:
        """Read Docker's ``SRC[:DST[:ro|rw]]`` form."""
        parts = spec.split(":")
        if not parts[0] or len(parts) > 3 or (len(parts) == 3 and parts[2] not in ("ro", "rw")):
            raise ValueError(f"mount {spec!r} is not of the form SRC[:DST[:ro|rw]]")
        target = parts[1] if len(parts) > 1 and parts[1] else None
        return cls(os.path.abspath(parts[0]), target, len(parts) == 3 and parts[2] == "ro")

    @property
    def destination(self) -> str:
        return self.target or self.source


@settings
class ContainerRuntime:
    """Runs commands in images; subclasses say how their runtime spells each part of a run.

    ``executable`` overrides the program (a path, or another name on ``PATH``); ``run_options``
    are added to every run, before the image.
    """

    executable: Optional[str] = attrs.field(default=None, kw_only=True)
    run_options: list[str] = attrs.field(factory=list, kw_only=True)

    #: The programs that may provide this runtime, the first found on ``PATH`` is used.
    programs: ClassVar[tuple[str, ...]] = ("docker",)
    #: Whether the runtime gives containers names (and so can remove one by name).
    names_containers: ClassVar[bool] = True
    #: Whether a run removes its container when it ends (``--rm``); if not, the run removes it.
    removes_on_exit: ClassVar[bool] = True

    # -- what a plugin may override ------------------------------------------------------------

    def run_verb(self) -> list[str]:
        """The sub-command and fixed options of a run (never pull: images must be local)."""
        return ["run", *(["--rm"] if self.removes_on_exit else []), "--pull=never"]

    def name_args(self, name: str) -> list[str]:
        return ["--name", name]

    def host_network_args(self) -> list[str]:
        return ["--network=host"]

    def mount_args(self, mount: Mount) -> list[str]:
        return ["-v", f"{mount.source}:{mount.destination}{':ro' if mount.read_only else ''}"]

    def workdir_args(self, workdir: str) -> list[str]:
        return ["-w", workdir]

    def env_args(self, key: str, value: str) -> list[str]:
        return ["-e", f"{key}={value}"]

    def gpu_args(self, gpus: str) -> list[str]:
        """``gpus`` is ``"all"`` or a comma-separated list of device indices."""
        return ["--gpus", gpus if gpus == "all" else f"device={gpus}"]

    def image_and_command(self, image: str, command: Sequence[str]) -> list[str]:
        return [image, *command]

    def remove_argv(self, program: str, name: str) -> Optional[list[str]]:
        """The command that removes container ``name`` (None: killing its process is enough)."""
        return [program, "rm", "-f", name]

    def image_present(self, program: str, image: str) -> bool:
        """Whether ``image`` is available locally, without pulling it."""
        return command_succeeds([program, "image", "inspect", image])

    def command_not_found(self, returncode: int, stderr: str) -> bool:
        """Whether a run failed because the command does not exist in the image."""
        return returncode in (126, 127)

    def prepare(self, image: str, mounts: Sequence[Mount]) -> None:
        """Get the image ready for a run with ``mounts`` (nothing to do for most runtimes)."""

    # -- rendering: shared by every runtime ------------------------------------------------------

    @property
    def name(self) -> str:
        """The runtime's short plugin name (for messages)."""
        from parsl.plugins.manager import get_plugin_manager

        reg = get_plugin_manager().registration_for(type(self))
        return reg.name if reg else type(self).__name__

    def program(self) -> Optional[str]:
        """The runtime's program found on ``PATH`` (or ``executable`` as given), or None."""
        for candidate in (self.executable,) if self.executable else self.programs:
            found = shutil.which(candidate)
            if found:
                return found
        return None

    def run_argv(self, program: str, image: str, command: Sequence[str], *, name: str,
                 mounts: Sequence[Mount] = (), workdir: Optional[str] = None,
                 env: Optional[Mapping[str, str]] = None, gpus: Optional[str] = None,
                 host_network: bool = True) -> list[str]:
        """The command line that runs ``command`` in ``image``."""
        argv = [program, *self.run_verb()]
        if self.names_containers:
            argv += self.name_args(name)
        if host_network:
            argv += self.host_network_args()
        for mount in mounts:
            argv += self.mount_args(mount)
        if workdir:
            argv += self.workdir_args(workdir)
        for key, value in (env or {}).items():
            argv += self.env_args(key, value)
        if gpus:
            argv += self.gpu_args(gpus)
        return argv + list(self.run_options) + self.image_and_command(image, command)


def command_succeeds(argv: Sequence[str]) -> bool:
    """Whether ``argv`` exits 0 (its output discarded)."""
    return subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0
