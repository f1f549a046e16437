#!/usr/bin/env bash
# Debian's MPICH (mpicc, mpiexec = Hydra) and mpi4py built against it, for the MPI tests on Slurm.
#   .ci/services/mpi.sh start   install mpich + libmpich-dev; build mpi4py into $MPI_CI_VENV (cached)
#   .ci/services/mpi.sh stop    nothing runs: a no-op
# MPICH, not Open MPI: Parsl's $PARSL_MPIEXEC_PREFIX uses Hydra's options (-ppn, -hosts), which Open
# MPI's mpiexec refuses, and Slurm's pmi2 plugin starts MPICH programs from srun, while its pmix
# plugin cannot load Debian's PMIx here. Debian's python3-mpi4py is built for Open MPI and the PyPI
# wheel wants libmpi.so.12 (Debian's MPICH ships libmpich.so.12), so mpi4py is built from source
# with mpicc, in a venv of Debian's /usr/bin/python3 that MPI programs in the tests run with. It is
# compiled with -O0: its speed does not matter here, and it builds in a fraction of the time.
# Debian 12 (bookworm), run as root.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
VENV=${MPI_CI_VENV:-/var/cache/ci-mpi/mpi4py}

start() {
  if [ ! -x /usr/bin/mpicc.mpich ] || [ ! -x /usr/bin/mpiexec.hydra ] || [ ! -f /usr/include/python3.11/Python.h ] \
     || ! /usr/bin/python3 -c 'import ensurepip' 2>/dev/null; then
    apt_install mpich libmpich-dev python3-venv python3-dev
  fi
  if ! "$VENV/bin/python" -c 'from mpi4py import MPI; assert "MPICH" in MPI.Get_library_version()' 2>/dev/null; then
    rm -rf "$VENV"
    /usr/bin/python3 -m venv "$VENV"
    CFLAGS=-O0 MPICC=/usr/bin/mpicc.mpich "$VENV/bin/pip" install -q --no-binary mpi4py 'mpi4py>=3.1,<5'
  fi
  echo "mpi ready: $(mpiexec.hydra --version | awk '/Version:/{print "MPICH " $2; exit}'), mpi4py in $VENV"
}

stop() { echo "mpi: nothing to stop"; }

service_main "$@"
