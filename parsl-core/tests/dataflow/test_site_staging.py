"""SiteStaging between two sites on this machine (separate data directories, no shared paths).

The same code serves SSH sites (parsl-staging-rsync's RSyncSiteStaging, tested on network
namespaces in tests/test_sites_data.py); here the copies are local, so these tests check the
bookkeeping: replicas, the per-site cache, checksums, collection, the Transfer records, and
that unlabelled tasks go only to executors able to stage their files.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from parsl import python_app
from parsl.data_provider.files import File
from parsl.data_provider.site_staging import SiteStaging
from parsl.data_provider.staging_errors import StagingError
from parsl.executors.threads import ThreadPoolExecutor
from parsl.plugins import hookimpl
from parsl.plugins.monitor import Monitor


class Transfers(Monitor):
    def __init__(self) -> None:
        self.seen: list = []

    def start(self, dfk) -> None:
        pass

    def close(self) -> None:
        pass

    @hookimpl
    def parsl_transfer(self, dfk, transfer) -> None:
        self.seen.append(transfer)


def _produce(text: str, outputs=()):
    with open(outputs[0], "w") as f:
        f.write(text)
    return outputs[0].filepath


def _consume(inputs=()):
    with open(inputs[0]) as f:
        return inputs[0].filepath, f.read()


def produce(*args, executors="all", **kwargs):
    return python_app(_produce, executors=executors)(*args, **kwargs)


def consume(*args, executors="all", **kwargs):
    return python_app(_consume, executors=executors)(*args, **kwargs)


def two_sites(make_dfk, tmp_path: Path, **staging):
    monitor = Transfers()
    executors = [ThreadPoolExecutor(label=name, max_threads=2,
                                    storage_access=[SiteStaging(root=str(tmp_path / name), **staging)])
                 for name in ("A", "B")]
    dfk = make_dfk(executors=executors, monitoring=monitor)
    return dfk, monitor


def test_a_file_follows_its_consumer_and_the_second_consumer_uses_the_cached_copy(make_dfk, tmp_path):
    dfk, monitor = two_sites(make_dfk, tmp_path)
    out = File(str(tmp_path / "here" / "data.txt"))
    made = produce("hello sites", outputs=[out], executors=["A"])
    first = consume(inputs=[made.outputs[0]], executors=["B"]).result()
    second = consume(inputs=[made.outputs[0]], executors=["B"]).result()
    assert made.result().startswith(str(tmp_path / "A" / "sandbox"))
    assert first[1] == second[1] == "hello sites"
    assert first[0].startswith(str(tmp_path / "B" / "sandbox")) and first[0] != second[0]
    assert not os.path.exists(first[0])  # the sandboxed input goes after the task
    assert Path(out.filepath).read_text() == "hello sites"  # collected back here
    sha = hashlib.sha256(b"hello sites").hexdigest()
    assert (tmp_path / "A" / "cache" / sha).is_file() and (tmp_path / "B" / "cache" / sha).is_file()
    routes = [(t.source, t.dest, t.route, t.bytes) for t in monitor.seen]
    assert routes == [("A", "submit", "collect", 11), ("A", "B", "direct", 11), ("B", "B", "cached", 0)]
    assert sorted(dfk.data_manager.replicas.sites(out.url)) == ["A", "B", "submit"]


def test_a_local_input_is_uploaded_into_the_sandbox(make_dfk, tmp_path):
    _, monitor = two_sites(make_dfk, tmp_path, collect=False)
    local = tmp_path / "in.txt"
    local.write_text("from the laptop")
    path, text = consume(inputs=[File(str(local))], executors=["B"]).result()
    assert text == "from the laptop" and path.startswith(str(tmp_path / "B"))
    assert [(t.source, t.route) for t in monitor.seen] == [("submit", "upload")]


def test_a_file_declared_on_a_site_is_taken_from_there(make_dfk, tmp_path):
    _, monitor = two_sites(make_dfk, tmp_path)
    there = tmp_path / "A-scratch.txt"
    there.write_text("already on A")
    _, text = consume(inputs=[File(str(there), site="A")], executors=["B"]).result()
    assert text == "already on A"
    assert [(t.source, t.dest, t.route) for t in monitor.seen] == [("A", "B", "direct")]


def test_a_missing_input_fails_its_task_naming_the_file(make_dfk, tmp_path):
    two_sites(make_dfk, tmp_path)
    missing = tmp_path / "nowhere.txt"
    with pytest.raises(Exception) as info:
        consume(inputs=[File(str(missing))], executors=["B"]).result()
    assert str(missing) in str(info.value)


def test_an_output_the_task_did_not_write_names_site_and_path(make_dfk, tmp_path):
    two_sites(make_dfk, tmp_path)

    def forgets(outputs=()):
        return 1

    fut = python_app(forgets, executors=["A"])(outputs=[File(str(tmp_path / "never.txt"))])
    with pytest.raises(StagingError) as info:
        fut.result()
    assert "did not produce" in str(info.value) and "'A'" in str(info.value)


def test_the_cache_keeps_to_its_size_limit(make_dfk, tmp_path):
    dfk, _ = two_sites(make_dfk, tmp_path, cache_size=25, collect=False)
    for i in range(3):
        consume(inputs=[produce(f"file number {i}!", outputs=[File(str(tmp_path / f"f{i}"))],
                                executors=["A"]).outputs[0]], executors=["B"]).result()
    cached = list((tmp_path / "B" / "cache").iterdir())
    assert sum(p.stat().st_size for p in cached) <= 25 and len(cached) == 1
    assert len([r for _, r in dfk.data_manager.replicas if r.site == "B"]) == 1


def test_unlabelled_tasks_go_only_where_their_files_can_be_staged(make_dfk, tmp_path):
    there = tmp_path / "on-site.txt"
    there.write_text("x")
    executors = [ThreadPoolExecutor(label="plain", max_threads=2),
                 ThreadPoolExecutor(label="site", max_threads=2,
                                    storage_access=[SiteStaging(root=str(tmp_path / "site"))])]
    make_dfk(executors=executors)
    labels = {consume(inputs=[File(str(there), site="site")]).task_record["executor"] for _ in range(12)}
    assert labels == {"site"}
    anywhere = {consume(inputs=[File(str(there))]).task_record["executor"] for _ in range(30)}
    assert anywhere == {"plain", "site"}


def test_a_copy_that_does_not_match_its_checksum_is_refused_and_removed(tmp_path):
    from parsl.channels.local import LocalChannel
    from parsl.data_provider.site_store import SiteStore

    store = SiteStore("S", LocalChannel(), str(tmp_path / "S"), 1 << 20)
    partial = store.partial("0" * 64)
    Path(partial).write_text("not what was sent")
    with pytest.raises(StagingError) as info:
        store.verify_and_install("file:///x", partial, "0" * 64)
    assert "checksum mismatch" in str(info.value) and "'S'" in str(info.value)
    assert not os.path.exists(partial) and not os.path.exists(store.blob("0" * 64))
