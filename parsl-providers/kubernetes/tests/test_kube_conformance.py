"""The provider conformance kit, against a real kube-apiserver with the stand-in kubelet."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Tuple

import pytest

from parsl.testing.providers import ProviderConformance
from parsl_provider_kubernetes import KubernetesProvider

pytestmark = pytest.mark.kube


class TestKubernetesConformance(ProviderConformance):
    unknown_job_id = "00000000"

    @pytest.fixture
    def provider(self, node: Any, namespace: str, tmp_path: Path) -> KubernetesProvider:
        p = KubernetesProvider("parsl-ci/local", namespace=namespace)
        p.script_dir = str(tmp_path)
        return p

    @pytest.fixture
    def bad_submit(self, kubeconfig: str, tmp_path: Path) -> Tuple[KubernetesProvider, str]:
        p = KubernetesProvider("parsl-ci/local", namespace="no-such-namespace")
        p.script_dir = str(tmp_path)
        return p, 'namespaces "no-such-namespace" not found'
