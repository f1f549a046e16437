"""What a block's pod looks like in the API server, how pods that fail are reported, what happens
when the API refuses (a quota, a user who may not delete), and that the client is imported late."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import LIMITED_KUBECONFIG, our_pods

from parsl.jobs.states import JobState
from parsl.providers.errors import SubmitException
from parsl.testing.processes import wait_for
from parsl.testing.providers import wait_terminal
from parsl_provider_kubernetes import KubernetesProvider


def _provider(namespace: str, tmp_path: Path, **kwargs: Any) -> KubernetesProvider:
    provider = KubernetesProvider("parsl-ci/local", namespace=namespace, **kwargs)
    provider.script_dir = str(tmp_path)
    return provider


def test_the_client_library_is_imported_only_when_a_provider_connects() -> None:
    code = ("import sys, parsl\n"
            "from parsl.providers import KubernetesProvider\n"
            "from parsl.plugins.manager import get_plugin_manager\n"
            "get_plugin_manager().get('provider', 'kubernetes')\n"
            "KubernetesProvider('img', persistent_volumes=[('claim', '/data')])\n"
            "assert 'kubernetes' not in sys.modules, sorted(m for m in sys.modules if m.startswith('kubernetes'))\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


@pytest.mark.kube
def test_the_pod_carries_every_setting(kubeconfig: str, kube_admin: Any, namespace: str, tmp_path: Path) -> None:
    provider = _provider(namespace, tmp_path, max_cpu=1.5, max_mem="600Mi", init_cpu=0.5, init_mem="300Mi",
                         extra_requests={"ephemeral-storage": "1Gi"}, extra_limits={"ephemeral-storage": "2Gi"},
                         worker_init="echo worker-init-ran", pod_name="My_Workers", user_id="1000", group_id="100",
                         run_as_non_root=True, secret="registry-key",
                         persistent_volumes=[("scratch-claim", "/scratch")], service_account_name="parsl-sa",
                         annotations={"example.org/owner": "tests"})
    job_id = provider.submit("process_worker_pool.py --block 0", 1, "ignored-since-pod_name-is-set")
    (pod,) = kube_admin.list_namespaced_pod(namespace, label_selector=f"parsl-job-id={job_id}").items

    assert pod.metadata.name == f"my-workers.{job_id}"
    assert pod.metadata.labels == {"parsl-job-id": job_id, "parsl-provider-id": provider.provider_id,
                                   "app.kubernetes.io/managed-by": "parsl"}
    assert pod.metadata.annotations == {"example.org/owner": "tests"}
    spec = pod.spec
    assert spec.restart_policy == "Never" and spec.service_account_name == "parsl-sa"
    assert [s.name for s in spec.image_pull_secrets] == ["registry-key"]
    assert [(v.name, v.persistent_volume_claim.claim_name) for v in spec.volumes] == [("scratch-claim",
                                                                                        "scratch-claim")]
    (container,) = spec.containers
    assert container.image == "parsl-ci/local" and container.command == ["/bin/bash"]
    script = container.args[1]
    assert container.args[0] == "-c" and script.index("worker-init-ran") < script.index("process_worker_pool.py")
    assert container.resources.requests == {"cpu": "500m", "memory": "300Mi", "ephemeral-storage": "1Gi"}
    assert container.resources.limits == {"cpu": "1500m", "memory": "600Mi", "ephemeral-storage": "2Gi"}
    assert [(m.name, m.mount_path) for m in container.volume_mounts] == [("scratch-claim", "/scratch")]
    security = container.security_context
    assert (security.run_as_user, security.run_as_group, security.run_as_non_root) == (1000, 100, True)
    assert provider.status([job_id])[0].state == JobState.PENDING  # no node: the pod waits
    assert provider.cancel([job_id]) == [True]
    assert our_pods(kube_admin, namespace) == []  # an unbound pod goes at once


@pytest.mark.kube
@pytest.mark.parametrize(("command", "exit_code", "in_log"), [
    ("echo about to fail; exit 3", 3, "about to fail"),
    ("no-such-command-for-parsl", 127, "no-such-command-for-parsl: command not found"),
])
def test_a_failing_pod_reports_its_exit_code_and_log(node: Any, kube_admin: Any, namespace: str, tmp_path: Path,
                                                     command: str, exit_code: int, in_log: str) -> None:
    provider = _provider(namespace, tmp_path)
    job_id = provider.submit(command, 1, "failing")
    status = wait_terminal(provider, job_id, 120, 0.2)
    assert status.state == JobState.FAILED and status.exit_code == exit_code, status
    assert f"exited with code {exit_code} (Error)" in (status.message or "")
    assert in_log in (status.message or "")
    assert in_log in (status.stdout or "")
    # the ended pod was read, then deleted
    wait_for(lambda: not our_pods(kube_admin, namespace), 60, "the ended pod to be deleted")


@pytest.mark.kube
def test_a_pod_that_completes_is_reported_and_removed(node: Any, kube_admin: Any, namespace: str,
                                                      tmp_path: Path) -> None:
    provider = _provider(namespace, tmp_path)
    job_id = provider.submit('echo "running in $HOSTNAME as $PARSL_POD_NAME"', 1, "quick")
    status = wait_terminal(provider, job_id, 120, 0.2)
    pod_name = f"quick.{job_id}"
    assert status.state == JobState.COMPLETED and status.exit_code == 0, status
    assert f"running in {pod_name} as {pod_name}" in (status.stdout or "")
    wait_for(lambda: node.removed == [pod_name], 60, "the ended pod to be deleted")
    assert node.started == [pod_name] and not our_pods(kube_admin, namespace)


@pytest.mark.kube
def test_a_quota_refusal_is_the_apis_message(kubeconfig: str, kube_admin: Any, namespace: str,
                                             tmp_path: Path) -> None:
    kube_admin.create_namespaced_resource_quota(namespace, {"metadata": {"name": "one-pod"},
                                                            "spec": {"hard": {"pods": "1"}}})
    # what the controller manager (absent here) would record: one pod is already counted
    kube_admin.patch_namespaced_resource_quota_status("one-pod", namespace, {"status": {
        "hard": {"pods": "1"}, "used": {"pods": "1"}}})
    provider = _provider(namespace, tmp_path)
    refusal = wait_for(lambda: _refusal(provider), 60, "the quota to be seen by its admission plugin")
    assert "exceeded quota: one-pod" in str(refusal)
    assert "exceeded quota: one-pod" in (refusal.stderr or "")
    assert our_pods(kube_admin, namespace) == []


def _refusal(provider: KubernetesProvider) -> SubmitException | None:
    """The refusal of a submission; None while the API server has not yet seen the quota's status."""
    with pytest.raises(SubmitException) as info:
        provider.submit("true", 1, "over-quota")
    return None if "status unknown for quota" in str(info.value) else info.value


@pytest.mark.kube
def test_a_pod_that_cannot_be_deleted_is_named(node: Any, kube_admin: Any, namespace: str, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               caplog: pytest.LogCaptureFixture) -> None:
    from kubernetes import client, config

    rbac = client.RbacAuthorizationV1Api(config.new_client_from_config(config_file=str(node.kubeconfig)))
    rbac.create_namespaced_role(namespace, {"metadata": {"name": "no-delete"}, "rules": [
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["create", "get", "list", "watch"]},
        {"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]}]})
    rbac.create_namespaced_role_binding(namespace, {
        "metadata": {"name": "no-delete"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "no-delete"},
        "subjects": [{"kind": "User", "name": "ci-limited", "apiGroup": "rbac.authorization.k8s.io"}]})
    monkeypatch.setenv("KUBECONFIG", LIMITED_KUBECONFIG)
    provider = _provider(namespace, tmp_path)
    job_id = wait_for(lambda: _submit_when_allowed(provider), 60, "the RBAC grant to take effect")
    pod_name = f"undeletable.{job_id}"
    wait_for(lambda: provider.status([job_id])[0].state == JobState.RUNNING, 120, "the pod to run")
    with caplog.at_level(logging.ERROR):
        assert provider.cancel([job_id]) == [False]
    assert f"Pod {namespace}/{pod_name} was NOT deleted" in caplog.text
    assert "forbidden" in caplog.text and 'cannot delete resource "pods"' in caplog.text
    assert our_pods(kube_admin, namespace) == [pod_name]


def _submit_when_allowed(provider: KubernetesProvider) -> str | None:
    try:
        return provider.submit("sleep 600", 1, "undeletable")
    except SubmitException as e:
        if "forbidden" not in str(e):
            raise
        return None
