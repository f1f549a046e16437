"""Every rank prints its rank, the world size, its node and the sum of all ranks (one collective).

With ``--meet MINE OTHER``, rank 0 creates MINE and waits (up to 300 s) for OTHER: two copies that
name each other's files finish only if they run at the same time.
"""

import os
import sys
import time

from mpi4py import MPI

comm = MPI.COMM_WORLD
if comm.Get_rank() == 0 and sys.argv[1:2] == ["--meet"]:
    mine, other = sys.argv[2], sys.argv[3]
    open(mine, "w").close()
    deadline = time.monotonic() + 300
    while not os.path.exists(other):
        if time.monotonic() > deadline:
            comm.Abort(3)
        time.sleep(0.1)
total = comm.allreduce(comm.Get_rank())
node = os.environ.get("SLURMD_NODENAME", "?")
# one write per line: print() writes the text and the newline apart, and mpiexec forwards the
# ranks' output in whatever chunks it gets, so two ranks' lines could run together
os.write(1, f"rank {comm.Get_rank()} of {comm.Get_size()} on {node} sum {total}\n".encode())
