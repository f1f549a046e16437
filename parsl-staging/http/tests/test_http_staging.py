"""HTTP(S) staging against real servers on 127.0.0.1, driven through the Staging protocol."""

from __future__ import annotations

import hashlib
import os

import pytest

from parsl.data_provider.files import File
from parsl.data_provider.node_cache import NodeCache
from parsl.data_provider.staging_errors import StagingError
from parsl.plugins.manager import get_plugin_manager
from parsl_staging_http import HTTPInTaskStaging, HTTPSeparateTaskStaging


def run_in_task(provider, dm, url: str):
    """Do what the DataManager does for an in-task stager, then run the wrapped app."""
    file = File(url)
    assert provider.can_stage_in(file)
    assert provider.stage_in(dm, "ex", file, None) is None

    def app(path):
        with open(path, "rb") as f:
            return f.read()

    wrapped = provider.replace_task(dm, "ex", file, app)
    return file, wrapped(file.local_path)


def leftovers(directory) -> list[str]:
    return sorted(os.listdir(directory)) if os.path.isdir(directory) else []


def test_registered_under_schemes_and_parsl_module_path():
    manager = get_plugin_manager()
    assert manager.find("stager", "http") is HTTPSeparateTaskStaging
    assert manager.find("stager", "https") is HTTPSeparateTaskStaging
    assert manager.find("stager", "http-in-task") is HTTPInTaskStaging
    assert manager.find("stager", "HTTPInTaskStaging") is HTTPInTaskStaging
    from parsl.data_provider.http import HTTPInTaskStaging as via_parsl_path

    assert via_parsl_path is HTTPInTaskStaging


def test_settings_repr_rebuilds_and_types_are_checked():
    p = HTTPInTaskStaging(cache_dir="/tmp/c", cache_size=5)
    assert eval(repr(p), {"HTTPInTaskStaging": HTTPInTaskStaging}).cache_size == 5
    with pytest.raises(TypeError, match="cache_size"):
        HTTPInTaskStaging(cache_size="big")


def test_only_http_schemes(tmp_path):
    p = HTTPSeparateTaskStaging()
    assert p.can_stage_in(File("https://h/x")) and p.can_stage_in(File("http://h/x"))
    assert not p.can_stage_in(File("ftp://h/x")) and not p.can_stage_in(File(str(tmp_path)))
    assert not p.can_stage_out(File("https://h/x"))


def test_in_task_download_lands_in_working_dir(http_server, fake_dm, tmp_path):
    url = http_server.put("data.txt", b"hello\n")
    file, content = run_in_task(HTTPInTaskStaging(cache_size=0), fake_dm, url)
    assert content == b"hello\n"
    assert file.local_path == os.path.join(fake_dm.dfk.executors["ex"].working_dir, "data.txt")
    assert leftovers(os.path.dirname(file.local_path)) == ["data.txt"]


def test_node_cache_serves_the_second_task_without_fetching(http_server, fake_dm, tmp_path):
    url = http_server.put("big.bin", os.urandom(100_000))
    provider = HTTPInTaskStaging(cache_dir=str(tmp_path / "cache"))
    first, c1 = run_in_task(provider, fake_dm, url)
    os.unlink(first.local_path)
    _second, c2 = run_in_task(provider, fake_dm, url)
    assert c1 == c2
    assert http_server.hits["/big.bin"] == 1
    blobs = os.listdir(tmp_path / "cache" / "blobs")
    assert blobs == [hashlib.sha256(c1).hexdigest()]


def test_node_cache_keeps_within_its_size_limit(http_server, fake_dm, tmp_path):
    provider = HTTPInTaskStaging(cache_dir=str(tmp_path / "cache"), cache_size=250_000)
    urls = [http_server.put(f"f{i}.bin", os.urandom(100_000)) for i in range(4)]
    for url in urls:
        run_in_task(provider, fake_dm, url)
    cache = NodeCache(str(tmp_path / "cache"), 250_000)
    assert cache.size() <= 250_000
    assert cache.lookup(urls[-1]) is not None      # the most recent stays
    assert cache.lookup(urls[0]) is None           # the oldest went first
    run_in_task(provider, fake_dm, urls[0])
    assert http_server.hits["/f0.bin"] == 2        # evicted, so fetched again


def test_file_larger_than_cache_is_staged_but_not_cached(http_server, fake_dm, tmp_path):
    url = http_server.put("huge.bin", os.urandom(50_000))
    _, content = run_in_task(HTTPInTaskStaging(cache_dir=str(tmp_path / "c"), cache_size=10_000), fake_dm, url)
    assert len(content) == 50_000
    assert NodeCache(str(tmp_path / "c"), 10_000).size() == 0


def test_404_names_url_and_cause_and_leaves_nothing(http_server, fake_dm):
    url = f"{http_server.url}/missing.txt"
    with pytest.raises(StagingError) as info:
        run_in_task(HTTPInTaskStaging(cache_size=0), fake_dm, url)
    assert str(info.value) == f"staging in {url} failed: HTTP 404 File not found"
    assert leftovers(fake_dm.dfk.executors["ex"].working_dir) == []


def test_connection_refused(refused_url, fake_dm):
    with pytest.raises(StagingError, match=f"staging in {refused_url} failed: Connection refused"):
        run_in_task(HTTPInTaskStaging(cache_size=0), fake_dm, refused_url)
    assert leftovers(fake_dm.dfk.executors["ex"].working_dir) == []


def test_short_body_is_an_error_not_a_truncated_file(http_server, fake_dm):
    url = f"{http_server.url}/short/data.txt"
    with pytest.raises(StagingError, match=r"short/data.txt failed: .*(15 of 1000|IncompleteRead)"):
        run_in_task(HTTPInTaskStaging(cache_size=0), fake_dm, url)
    assert leftovers(fake_dm.dfk.executors["ex"].working_dir) == []


def test_checksum_verified(http_server, fake_dm, tmp_path):
    content = b"checked content"
    url = http_server.put("c.txt", content)
    good = f"{url}#sha256={hashlib.sha256(content).hexdigest()}"
    _, got = run_in_task(HTTPInTaskStaging(cache_size=0), fake_dm, good)
    assert got == content
    md5 = f"{url}#md5={hashlib.md5(content).hexdigest()}"
    assert run_in_task(HTTPInTaskStaging(cache_size=0), fake_dm, md5)[1] == content


def test_checksum_mismatch_fails_and_leaves_nothing(http_server, fake_dm, tmp_path):
    url = http_server.put("c.txt", b"tampered") + "#sha256=" + "0" * 64
    provider = HTTPInTaskStaging(cache_dir=str(tmp_path / "cache"))
    mismatch = r"c.txt#sha256=0+ failed: checksum mismatch: expected sha256 0+, got [0-9a-f]{64}"
    with pytest.raises(StagingError, match=mismatch):
        run_in_task(provider, fake_dm, url)
    assert leftovers(fake_dm.dfk.executors["ex"].working_dir) == []
    assert NodeCache(str(tmp_path / "cache")).size() == 0


def test_cached_by_content_when_url_carries_sha256(http_server, fake_dm, tmp_path):
    content = b"same bytes, two URLs"
    digest = hashlib.sha256(content).hexdigest()
    a = http_server.put("a.txt", content) + f"#sha256={digest}"
    b = http_server.put("b.txt", content) + f"#sha256={digest}"
    provider = HTTPInTaskStaging(cache_dir=str(tmp_path / "cache"))
    run_in_task(provider, fake_dm, a)
    _, got = run_in_task(provider, fake_dm, b)
    assert got == content and http_server.hits["/b.txt"] == 0


def test_disk_full_fails_cleanly_and_other_downloads_go_on(http_server, full_disk, tmp_path):
    from types import SimpleNamespace

    small_disk = SimpleNamespace(dfk=SimpleNamespace(executors={"ex": SimpleNamespace(working_dir=full_disk)}))
    url = http_server.put("large.bin", os.urandom(200_000))
    with pytest.raises(StagingError, match=r"large.bin failed: (No space left on device|File too large)"):
        run_in_task(HTTPInTaskStaging(cache_size=0), small_disk, url)
    assert leftovers(full_disk) == []
    ok = http_server.put("small.txt", b"fits")
    assert run_in_task(HTTPInTaskStaging(cache_size=0), small_disk, ok)[1] == b"fits"


def test_https_with_self_signed_certificate(https_server, fake_dm, monkeypatch):
    url = https_server.put("secret.txt", b"over tls")
    with pytest.raises(StagingError, match=r"secret.txt failed: .*CERTIFICATE_VERIFY_FAILED"):
        run_in_task(HTTPInTaskStaging(cache_size=0), fake_dm, url)
    monkeypatch.setenv("SSL_CERT_FILE", https_server.cert)
    assert run_in_task(HTTPInTaskStaging(cache_size=0), fake_dm, url)[1] == b"over tls"


def test_https_404(https_server, fake_dm, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", https_server.cert)
    with pytest.raises(StagingError, match="HTTP 404"):
        run_in_task(HTTPInTaskStaging(cache_size=0), fake_dm, f"{https_server.url}/nope")


def test_wrapper_keeps_app_name_and_is_picklable(http_server, fake_dm):
    import dill

    file = File(http_server.put("p.txt", b"x"))
    provider = HTTPInTaskStaging(cache_size=0)
    provider.stage_in(fake_dm, "ex", file, None)

    def my_app():
        return 42

    wrapped = provider.replace_task(fake_dm, "ex", file, my_app)
    assert wrapped.__name__ == "my_app"
    assert dill.loads(dill.dumps(wrapped))() == 42


def test_toml_config_names_the_stagers(tmp_path):
    from parsl.config import load_config_file
    from parsl.errors import ConfigurationError

    path = tmp_path / "parsl.toml"
    path.write_text('[[executors]]\ntype = "threads"\nstorage_access = [{ type = "https" },\n'
                    '  { type = "http-in-task", cache_size = 5000 }]\n')
    separate, in_task = load_config_file(str(path)).executors[0].storage_access
    assert type(separate) is HTTPSeparateTaskStaging and in_task.cache_size == 5000
    path.write_text('[[executors]]\ntype = "threads"\nstorage_access = [{ type = "http-in-task", cache_sise = 1 }]\n')
    with pytest.raises(ConfigurationError, match="cache_size"):
        load_config_file(str(path))
