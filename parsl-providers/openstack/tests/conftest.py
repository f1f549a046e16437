"""A recorded OpenStack (see fake_openstack.py) on 127.0.0.1, and providers pointed at it."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from fake_openstack import FLAVOR, IMAGE, PASSWORD, FakeOpenStack

from parsl.testing.recorded_http import RecordedHTTPServer

CLOUDS_YAML = """
clouds:
  recorded:
    auth:
      auth_url: {url}/identity/v3
      username: parsl
      password: {password}
      project_name: parsl-project
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
    identity_api_version: 3
"""


@pytest.fixture
def openstack_cloud(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenStack]:
    with RecordedHTTPServer() as server:
        clouds = tmp_path / "clouds.yaml"
        clouds.write_text(CLOUDS_YAML.format(url=server.url, password=PASSWORD))
        monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(clouds))
        monkeypatch.setenv("HOME", str(tmp_path))  # no user clouds.yaml or cache of this machine's
        cloud = FakeOpenStack(server)
        yield cloud
        assert server.unmatched == [], "requests with no recorded response"


@pytest.fixture
def make_provider(openstack_cloud: FakeOpenStack, tmp_path: Path) -> Callable[..., Any]:
    def make(**options: Any) -> Any:
        from parsl_provider_openstack.openstack import OpenStackProvider

        options.setdefault("image", IMAGE["image_name"])
        options.setdefault("flavor", FLAVOR["flavor_name"])
        options.setdefault("cloud", "recorded")
        provider = OpenStackProvider(**options)
        provider.script_dir = str(tmp_path)
        provider.start()  # what parsl.load does: authenticate, resolve image, flavor and network
        return provider

    return make
