"""The staging building blocks: default staging from the registry, the protocol base, the old import path."""

from __future__ import annotations

import types
from typing import Iterator, List

import pytest

from parsl.data_provider import data_manager, protocol_staging, staging_utils
from parsl.data_provider.file_noop import NoOpFileStaging
from parsl.data_provider.protocol_staging import InTaskStaging
from parsl.data_provider.staging import Staging
from parsl.data_provider.zip import ZipFileStaging
from parsl.plugins import builtin, hookimpl
from parsl.plugins.manager import PluginManager, reset_plugin_manager
from parsl.plugins.settings import SettingTypeError, settings
from parsl.version import VERSION


class LocalCopyStaging(Staging):
    """Stands in for a third-party stager of ``file`` URLs."""

    def can_stage_in(self, file: object) -> bool:
        return True


def _stagers_plugin(**schemes: type) -> types.ModuleType:
    module = types.ModuleType("stagers")
    module.PARSL_PLUGIN_API = ">=1.0,<2"  # type: ignore[attr-defined]

    def parsl_register_stagers(register):  # type: ignore[no-untyped-def]
        for name, cls in schemes.items():
            register(cls, name=name)

    module.parsl_register_stagers = hookimpl(parsl_register_stagers)  # type: ignore[attr-defined]
    return module


@pytest.fixture
def manager() -> Iterator[PluginManager]:
    m = PluginManager()
    reset_plugin_manager(m)
    yield m
    reset_plugin_manager(None)


def _kinds(providers: List[Staging]) -> List[type]:
    return [type(p) for p in providers]


def test_default_staging_comes_from_the_core_plugin_like_any_other(manager: PluginManager) -> None:
    assert data_manager.build_default_staging() == []  # no plugin, no stager: nothing built in
    assert manager.add_plugin(builtin, name="core", distribution="parsl-core", version=VERSION)
    assert _kinds(data_manager.build_default_staging()) == [NoOpFileStaging, ZipFileStaging]


def test_a_plugin_stager_for_file_urls_is_the_default(manager: PluginManager) -> None:
    assert manager.add_plugin(_stagers_plugin(file=LocalCopyStaging, zip=ZipFileStaging), name="other",
                              distribution="parsl-other")
    assert _kinds(data_manager.build_default_staging()) == [LocalCopyStaging, ZipFileStaging]


@settings
class _Proto(InTaskStaging):
    """A protocol stager with keywords of its own, as rsync has."""

    host: str | None = None
    sandbox: bool = True


def test_the_cache_keywords_are_declared_once_keyword_only_and_checked() -> None:
    positional = _Proto("example.org", False)
    assert (positional.host, positional.sandbox, positional.cache_dir) == ("example.org", False, None)
    assert positional.cache_size == protocol_staging.DEFAULT_CACHE_SIZE
    assert repr(_Proto("h", cache_size=5)) == "_Proto(host='h', sandbox=True, cache_dir=None, cache_size=5)"
    cached = _Proto("h", cache_dir="/c", cache_size=5).node_cache()
    assert cached is not None and (cached.directory, cached.max_bytes) == ("/c", 5)
    assert _Proto(cache_size=0).node_cache() is None
    with pytest.raises(TypeError):
        _Proto("h", True, "/c")  # type: ignore[misc]
    with pytest.raises(SettingTypeError, match=r"_Proto.cache_size: expected int, got 'big'"):
        _Proto(cache_size="big")  # type: ignore[arg-type]


@pytest.mark.parametrize("name", staging_utils.__all__)
def test_the_former_module_still_offers_every_name(name: str) -> None:
    value = getattr(staging_utils, name)
    home = getattr(value, "__module__", None)
    if name != "submit_staging_task" and isinstance(value, (type, types.FunctionType)):
        assert home != staging_utils.__name__, f"{name} is defined in the compatibility module"


def _write_netloc(parent_fut=None, outputs=(), _parsl_staging_inhibit=True):  # type: ignore[no-untyped-def]
    """A stage-in task body as plugins wrote them for the former module (with Parsl's marker)."""
    file = outputs[0]
    with open(file.local_path, "w") as f:
        f.write(file.netloc)


def test_a_stager_written_against_the_former_module_still_works(make_dfk, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from parsl import File, python_app
    from parsl.executors.threads import ThreadPoolExecutor

    class Former(Staging):
        def can_stage_in(self, file):  # type: ignore[no-untyped-def]
            return file.scheme == "memo"

        def stage_in(self, dm, executor, file, parent_fut):  # type: ignore[no-untyped-def]
            file.local_path = str(tmp_path / "staged.txt")
            fut = staging_utils.submit_staging_task(dm, _write_netloc, parent_fut=parent_fut, outputs=[file])
            assert fut.task_record.executor == staging_utils.INTERNAL_EXECUTOR == "_parsl_internal"
            return fut._outputs[0]

    @python_app
    def read(inputs=()):  # type: ignore[no-untyped-def]
        with open(inputs[0]) as f:
            return f.read()

    make_dfk(executors=[ThreadPoolExecutor(storage_access=[Former()])])
    assert read(inputs=[File("memo://hello")]).result() == "hello"
