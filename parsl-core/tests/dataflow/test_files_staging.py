"""File, the DataManager's staging hook path, default staging, and unknown schemes."""

from __future__ import annotations

import os
import pathlib
import pickle

import pytest

from parsl import File, python_app
from parsl.app.futures import DataFuture
from parsl.data_provider import data_manager
from parsl.data_provider.file_noop import NoOpFileStaging
from parsl.data_provider.staging import Staging
from parsl.data_provider.zip import ZipFileStaging
from parsl.errors import NoStagingProvider
from parsl.executors.threads import ThreadPoolExecutor


@python_app
def read(inputs=()):
    with open(inputs[0]) as f:
        return f.read()


@python_app
def path_of(f):
    return os.fspath(f)


def test_file_attributes():
    f = File("file:///data/run/input.txt")
    assert (f.url, f.scheme, f.netloc, f.path, f.filename) == (
        "file:///data/run/input.txt", "file", "", "/data/run/input.txt", "input.txt")
    assert f.filepath == "/data/run/input.txt" == os.fspath(f) == str(f)
    assert f.local_path is None


def test_plain_paths_and_pathlike():
    f = File(pathlib.Path("rel/x.csv"))
    assert f.scheme == "file" and f.filepath == "rel/x.csv" and f.filename == "x.csv"
    remote = File("https://example.org/a/b.tgz")
    assert (remote.scheme, remote.netloc, remote.path, remote.filename) == ("https", "example.org", "/a/b.tgz", "b.tgz")
    with pytest.raises(ValueError, match="No local_path"):
        _ = remote.filepath
    remote.local_path = "/tmp/b.tgz"
    assert remote.filepath == "/tmp/b.tgz"
    assert "local_path=/tmp/b.tgz" in repr(remote)


def test_cleancopy_drops_local_path_and_file_pickles():
    f = File("globus://ep/x")
    f.local_path = "/here/x"
    copy = f.cleancopy()
    assert copy is not f and copy.url == f.url and copy.local_path is None
    back = pickle.loads(pickle.dumps(f))
    assert back.url == f.url and back.local_path == "/here/x"


def test_file_rejects_other_types():
    with pytest.raises(TypeError, match=r"str or os\.PathLike"):
        File(3)  # type: ignore[arg-type]


def test_local_files_are_passed_through(dfk, tmp_path):
    p = tmp_path / "in.txt"
    p.write_text("local")
    assert read(inputs=[File(str(p))]).result() == "local"
    assert path_of(File(str(p))).result() == str(p)


def test_default_staging_has_local_and_zip():
    kinds = [type(p) for p in data_manager.default_staging]
    assert kinds[:2] == [NoOpFileStaging, ZipFileStaging]


@pytest.fixture
def globus_not_installed(monkeypatch):
    """Make the plugin manager see no 'globus' stager, whatever is installed here."""
    from parsl.plugins.manager import get_plugin_manager

    manager = get_plugin_manager()
    find = manager.find
    monkeypatch.setattr(manager, "find", lambda kind, name: None if name == "globus" else find(kind, name))


def test_unknown_scheme_of_a_known_plugin_names_the_distribution(dfk, globus_not_installed):
    fut = path_of(File("globus://endpoint/path/x.dat"))
    with pytest.raises(NoStagingProvider) as info:
        fut.result()
    message = str(info.value)
    assert "'globus'" in message
    assert "parsl-staging-globus" in message
    assert info.value.scheme == "globus"
    assert path_of(File("x.txt")).result() == "x.txt"  # other tasks unaffected


def test_an_entirely_unknown_scheme_lists_what_is_installed(dfk):
    with pytest.raises(NoStagingProvider, match=r"'madeup'.*(installed stager plugins|did you mean)"):
        read(inputs=[File("madeup://x/y")]).result()


def test_an_empty_storage_access_cannot_stage_local_files(make_dfk, tmp_path):
    make_dfk(executors=[ThreadPoolExecutor(storage_access=[])])
    with pytest.raises(NoStagingProvider, match="NoOpFileStaging does: add it"):
        read(inputs=[File(str(tmp_path / "x"))]).result()


class MemoryStaging(Staging):
    """Test stager for ``mem://`` files: content from a dict, staged by a separate task or in-task."""

    def __init__(self, store, directory, in_task=False):
        self.store = store
        self.directory = directory
        self.in_task = in_task
        self.wrapped = []

    def can_stage_in(self, file):
        return file.scheme == "mem"

    def can_stage_out(self, file):
        return file.scheme == "mem"

    def stage_in(self, dm, executor, file, parent_fut):
        file.local_path = os.path.join(self.directory, file.netloc)
        if self.in_task:
            return None
        store = self.store

        @python_app(executors=["_parsl_internal"], data_flow_kernel=dm.dfk)
        def fetch(name, outputs=(), _parsl_staging_inhibit=True):
            with open(outputs[0], "w") as f:
                f.write(store[name])

        return fetch(file.netloc, outputs=[file], _parsl_staging_inhibit=True).outputs[0]

    def replace_task(self, dm, executor, file, func):
        if not self.in_task:
            return None
        store = self.store

        def staged(*args, **kwargs):
            with open(file.local_path, "w") as f:
                f.write(store[file.netloc])
            return func(*args, **kwargs)

        staged.__name__ = func.__name__
        self.wrapped.append(file.url)
        return staged

    def stage_out(self, dm, executor, file, app_fu):
        file.local_path = os.path.join(self.directory, "out-" + file.netloc)
        store = self.store

        @python_app(executors=["_parsl_internal"], data_flow_kernel=dm.dfk)
        def push(name, path, parent, _parsl_staging_inhibit=True):
            with open(path) as f:
                store[name] = f.read()

        return push(file.netloc, file.local_path, app_fu, _parsl_staging_inhibit=True)


@python_app
def write(text, outputs=()):
    with open(outputs[0], "w") as f:
        f.write(text)


@pytest.mark.parametrize("in_task", [False, True])
def test_staging_providers_stage_in(make_dfk, tmp_path, in_task):
    store = {"a": "from memory"}
    stager = MemoryStaging(store, str(tmp_path), in_task=in_task)
    make_dfk(executors=[ThreadPoolExecutor(storage_access=[stager, NoOpFileStaging()])])
    assert read(inputs=[File("mem://a")]).result() == "from memory"
    assert stager.wrapped == (["mem://a"] if in_task else [])


def test_staging_providers_stage_out(make_dfk, tmp_path):
    store = {}
    make_dfk(executors=[ThreadPoolExecutor(storage_access=[MemoryStaging(store, str(tmp_path))])])
    fut = write("pushed", outputs=[File("mem://result")])
    [df] = fut.outputs
    assert isinstance(df, DataFuture)
    assert df.result().url == "mem://result"
    assert store == {"result": "pushed"}
