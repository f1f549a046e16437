"""Parsl's launchers: shell text that starts a worker command once per slot of a block.

A provider renders ``launcher(command, tasks_per_node, nodes_per_block, script_dir)`` into its
job script. Launchers that hand the command to a parallel starter (``srun``, ``mpiexec``,
``aprun``...) first write it to ``cmd_<job name>.sh`` in ``script_dir`` (the current directory
when ``script_dir`` does not exist on the node), then run that file on every slot.

Unlike Parsl, the command is written verbatim (a quoted here-document): variables in it are
expanded by each task, so ``$SLURM_PROCID`` is the task's own rank. Variables the job script
sets for the command must therefore be exported (``worker_init`` exports usually are).
"""

from __future__ import annotations

import logging
import re

from parsl.launchers.base import Launcher
from parsl.plugins.settings import settings

logger = logging.getLogger(__name__)


def _echo(debug: bool, text: str) -> str:
    return f'echo "{text}"\n' if debug else ""


def _double_quoted(text: str) -> str:
    """``text`` as one shell word in double quotes (Parsl's form), with ``"``, ``$``, `` ` `` and ``\\`` escaped."""
    return '"' + re.sub(r'(["$`\\])', r"\\\1", text) + '"'


def _via_command_file(launcher: Launcher, command: str, script_dir: str, name_var: str,
                      run: str, prelude: str = "") -> str:
    """Shell text that writes ``command`` to a file (``$CMD_FILE``) and runs ``run`` with it."""
    return (
        "set -e\n"
        f"{prelude}"
        f'SCRIPT_DIR={_double_quoted(script_dir)}\n'
        '[[ -d $SCRIPT_DIR ]] || SCRIPT_DIR=""\n'  # [[ ]] does not split words: no quotes needed
        f'CMD_FILE="${{SCRIPT_DIR:+$SCRIPT_DIR/}}cmd_${name_var}.sh"\n'
        "cat << 'PARSL_CMD_EOF' > \"$CMD_FILE\"\n"
        f"{command}\n"
        "PARSL_CMD_EOF\n"
        'chmod a+x "$CMD_FILE"\n'
        f"{run}\n"
        f"{_echo(launcher.debug, 'All workers done')}"
    )


_CORES_FROM_HOST = 'export CORES=$(getconf _NPROCESSORS_ONLN)\n'
_CORES_FROM_SLURM = 'export CORES=$SLURM_CPUS_ON_NODE\nexport NODES=$SLURM_JOB_NUM_NODES\n'


def _nodes_file(var: str) -> str:
    """Shell text that writes the block's distinct node names (from PBS, else localhost) to ``$var``."""
    return (f'{var}="$JOBNAME.nodes"\n'
            f'if [ -z "$PBS_NODEFILE" ]; then echo localhost > "${var}"; '
            f'else sort -u "$PBS_NODEFILE" > "${var}"; fi\n')


@settings
class SimpleLauncher(Launcher):
    """Runs the command once, unwrapped: for commands that start their own workers."""

    debug: bool = True

    def __call__(self, command: str, tasks_per_node: int, nodes_per_block: int, script_dir: str = "") -> str:
        if nodes_per_block > 1:
            logger.warning("SimpleLauncher starts the command on one node only; %d nodes were requested",
                           nodes_per_block)
        return command


@settings
class WrappedLauncher(Launcher):
    """Runs the command once, prefixed with ``prepend`` (for example a container invocation)."""

    prepend: str
    debug: bool = True

    def __call__(self, command: str, tasks_per_node: int, nodes_per_block: int, script_dir: str = "") -> str:
        if tasks_per_node > 1:
            logger.warning("WrappedLauncher starts the command once: %d tasks per node were requested, "
                           "fewer workers than expected may start", tasks_per_node)
        if nodes_per_block > 1:
            logger.warning("WrappedLauncher starts the command once: %d nodes per block were requested, "
                           "fewer workers than expected may start", nodes_per_block)
        return f"{self.prepend} {command}"


@settings
class SingleNodeLauncher(Launcher):
    """Starts ``tasks_per_node * nodes_per_block`` copies of the command on the first node.

    The block exits non-zero when every copy failed, or with ``fail_on_any`` when any did.
    """

    debug: bool = True
    fail_on_any: bool = False

    def __call__(self, command: str, tasks_per_node: int, nodes_per_block: int, script_dir: str = "") -> str:
        return (
            "set -e\n"
            f"{_CORES_FROM_HOST}"
            f"{_echo(self.debug, 'Found cores : $CORES')}"
            f"WORKERCOUNT={tasks_per_node * nodes_per_block}\n"
            f"FAILONANY={int(self.fail_on_any)}\n"
            'PIDS=""\n'
            "CMD() {\n"
            f"{command}\n"
            "}\n"
            "for COUNT in $(seq 1 1 $WORKERCOUNT); do\n"
            f"    {_echo(self.debug, 'Launching worker: $COUNT')}"
            "    CMD $COUNT &\n"
            '    PIDS="$PIDS $!"\n'
            "done\n"
            "ALLFAILED=1\n"
            "ANYFAILED=0\n"
            "for PID in $PIDS; do\n"
            "    if wait $PID; then ALLFAILED=0; else ANYFAILED=1; fi\n"
            "done\n"
            f"{_echo(self.debug, 'All workers done')}"
            'if [ "$FAILONANY" == "1" ]; then exit $ANYFAILED; else exit $ALLFAILED; fi\n'
        )


@settings
class GnuParallelLauncher(Launcher):
    """Starts the copies with GNU parallel over ssh, on the nodes listed in ``$PBS_NODEFILE``."""

    debug: bool = True

    def __call__(self, command: str, tasks_per_node: int, nodes_per_block: int, script_dir: str = "") -> str:
        run = (
            'PFILE="$CMD_FILE.parallel"\n'
            ': > "$PFILE"\n'
            f'for COUNT in $(seq 1 1 {tasks_per_node * nodes_per_block}); do echo "sh $CMD_FILE" >> "$PFILE"; done\n'
            'parallel --env _ --joblog "$JOBNAME.sh.parallel.log" --sshloginfile "$SSHLOGINFILE" '
            f'--jobs {tasks_per_node} < "$PFILE"'
        )
        return _via_command_file(self, command, script_dir, "JOBNAME", run,
                                 prelude=_CORES_FROM_HOST + _nodes_file("SSHLOGINFILE"))


@settings
class MpiExecLauncher(Launcher):
    """Starts the copies with ``mpiexec`` over the nodes listed in ``$PBS_NODEFILE``."""

    debug: bool = True
    bind_cmd: str = "--bind-to"
    overrides: str = ""

    def __call__(self, command: str, tasks_per_node: int, nodes_per_block: int, script_dir: str = "") -> str:
        run = (f"mpiexec {self.bind_cmd} none {self.overrides} -n {tasks_per_node * nodes_per_block} "
               '--hostfile "$HOSTFILE" /usr/bin/sh "$CMD_FILE"')
        return _via_command_file(self, command, script_dir, "JOBNAME", run,
                                 prelude=_CORES_FROM_HOST + _nodes_file("HOSTFILE"))


@settings
class MpiRunLauncher(Launcher):
    """Starts the copies with ``mpirun -np``."""

    debug: bool = True
    bash_location: str = "/bin/bash"
    overrides: str = ""

    def __call__(self, command: str, tasks_per_node: int, nodes_per_block: int, script_dir: str = "") -> str:
        run = f'mpirun -np {tasks_per_node * nodes_per_block} {self.overrides} {self.bash_location} "$CMD_FILE"'
        return _via_command_file(self, command, script_dir, "JOBNAME", run, prelude=_CORES_FROM_HOST)


@settings
class SrunLauncher(Launcher):
    """Starts the copies as one ``srun`` job step of ``tasks_per_node * nodes_per_block`` tasks."""

    debug: bool = True
    overrides: str = ""

    def __call__(self, command: str, tasks_per_node: int, nodes_per_block: int, script_dir: str = "") -> str:
        run = f'srun --ntasks {tasks_per_node * nodes_per_block} -l {self.overrides} bash "$CMD_FILE"'
        return _via_command_file(self, command, script_dir, "SLURM_JOB_NAME", run, prelude=_CORES_FROM_SLURM)


@settings
class SrunMPILauncher(Launcher):
    """Starts each copy as its own ``srun`` job step, so that each can launch MPI applications.

    With more copies than nodes, the block's cores are shared out between the copies; otherwise
    each copy gets ``nodes / copies`` whole nodes.
    """

    debug: bool = True
    overrides: str = ""

    def __call__(self, command: str, tasks_per_node: int, nodes_per_block: int, script_dir: str = "") -> str:
        run = (
            f"TASKBLOCKS={tasks_per_node * nodes_per_block}\n"
            'if (( TASKBLOCKS > NODES )); then\n'
            "    STEP_ARGS=\"--ntasks $(( NODES * CORES / TASKBLOCKS ))\"\n"
            "else\n"
            "    STEP_ARGS=\"--exclusive --nodes $(( NODES / TASKBLOCKS ))\"\n"
            "fi\n"
            "for blk in $(seq 1 1 $TASKBLOCKS); do\n"
            f'    srun $STEP_ARGS -l {self.overrides} bash "$CMD_FILE" &\n'
            "done\n"
            "wait"
        )
        return _via_command_file(self, command, script_dir, "SLURM_JOB_NAME", run, prelude=_CORES_FROM_SLURM)


@settings
class AprunLauncher(Launcher):
    """Starts the copies with Cray's ``aprun``."""

    debug: bool = True
    overrides: str = ""

    def __call__(self, command: str, tasks_per_node: int, nodes_per_block: int, script_dir: str = "") -> str:
        run = (f"aprun -n {tasks_per_node * nodes_per_block} -N {tasks_per_node} {self.overrides} "
               '/bin/bash "$CMD_FILE" &\nwait')
        return _via_command_file(self, command, script_dir, "JOBNAME", run)


@settings
class JsrunLauncher(Launcher):
    """Starts the copies with IBM's ``jsrun`` (LSF)."""

    debug: bool = True
    overrides: str = ""

    def __call__(self, command: str, tasks_per_node: int, nodes_per_block: int, script_dir: str = "") -> str:
        run = (f"jsrun -n {tasks_per_node * nodes_per_block} -r {tasks_per_node} {self.overrides} "
               '/bin/bash "$CMD_FILE" &\nwait')
        return _via_command_file(self, command, script_dir, "JOBNAME", run)
