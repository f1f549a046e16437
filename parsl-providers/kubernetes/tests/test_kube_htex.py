"""End to end: a TOML config naming ``htex`` and ``kubernetes`` runs a workflow in pods of a real
kube-apiserver (the stand-in kubelet runs each pod as local processes). Tasks report their pod;
the strategy scales pods out and in; after ``cleanup()`` no pod of ours is left; a block whose pod
fails makes the tasks fail with the pod's exit code and log."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import our_pods

import parsl
from parsl import python_app
from parsl.config import load_config_file
from parsl.jobs.states import JobState
from parsl.testing.processes import wait_for

pytestmark = pytest.mark.kube

CONFIG = """
strategy = "simple"
strategy_period = 0.5
max_idletime = 4
run_dir = "{run_dir}"

[[executors]]
type = "htex"
label = "kube_htex"
max_workers_per_node = 1

[executors.provider]
type = "kubernetes"
image = "parsl-ci/local"
namespace = "{namespace}"
init_blocks = 1
min_blocks = 0
max_blocks = 2
# workers import this module: the apps are pickled by reference
worker_init = "export PATH={bin_dir}:$PATH PYTHONPATH={tests_dir}:$PYTHONPATH"
"""


@python_app
def where(seconds: float) -> str:
    import os
    import time

    time.sleep(seconds)
    return os.environ["HOSTNAME"]


def _config(tmp_path: Path, namespace: str, text: str = CONFIG) -> Any:
    path = tmp_path / "kube-htex.toml"
    path.write_text(text.format(run_dir=tmp_path / "runinfo", namespace=namespace,
                                bin_dir=os.path.dirname(sys.executable), tests_dir=os.path.dirname(__file__)))
    config = load_config_file(str(path))
    config.executors[0].provider.polling_interval = 0.5
    return config


def test_htex_in_pods_from_toml_scales_out_in_and_cleans_up(node: Any, kube_admin: Any, namespace: str,
                                                            tmp_path: Path) -> None:
    config = _config(tmp_path, namespace)
    executor = config.executors[0]
    assert type(executor.provider).__name__ == "KubernetesProvider"

    t0 = time.monotonic()
    dfk = parsl.load(config)
    try:
        first = where(0).result(timeout=300)
        first_result_s = time.monotonic() - t0
        pod_names = {f"{executor.provider.resources[j].name}" for j in executor.blocks_to_job_id.values()}
        assert first in pod_names, (first, pod_names)

        results = [f.result(timeout=300) for f in [where(3) for _ in range(6)]]
        assert len(set(results)) == 2, f"tasks ran in {set(results)}: the strategy did not scale out to max_blocks"
        assert len(executor.blocks_to_job_id) == 2

        # idle for longer than max_idletime: every block is scaled in, its pod deleted
        wait_for(lambda: all(s.state == JobState.SCALED_IN for s in executor.status_facade.values()), 120,
                   "idle blocks to be scaled in")
        wait_for(lambda: not our_pods(kube_admin, namespace), 120, "scaled-in pods to be deleted")

        # new load brings a pod back
        again = where(0).result(timeout=300)
        assert again not in set(results)
    finally:
        dfk.cleanup()
    wait_for(lambda: not our_pods(kube_admin, namespace), 120, "pods to be gone after cleanup()")
    assert len(node.started) == len(executor.blocks_to_job_id) == 3
    wait_for(lambda: sorted(node.removed) == sorted(node.started), 60, "the node to see every pod go")
    print("KUBE_E2E " + json.dumps({"load_to_first_result_s": round(first_result_s, 2),
                                    "pods_started": len(node.started), "pods_removed": len(node.removed)}))


def test_a_block_whose_pod_fails_fails_the_tasks_with_its_exit_code_and_log(node: Any, kube_admin: Any,
                                                                            namespace: str, tmp_path: Path) -> None:
    broken = CONFIG.replace('worker_init = "export', 'worker_init = "echo worker-env-is-broken >&2; exit 3; export')
    config = _config(tmp_path, namespace, broken)
    dfk = parsl.load(config)
    try:
        with pytest.raises(Exception) as info:
            where(0).result(timeout=300)
    finally:
        dfk.cleanup()
    message = str(info.value)
    assert "worker-env-is-broken" in message and "EXIT CODE: 3" in message, message
    wait_for(lambda: not our_pods(kube_admin, namespace), 120, "pods to be gone after cleanup()")
