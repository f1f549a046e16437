"""Zip-file staging: outputs into an archive, inputs out of it."""

from __future__ import annotations

import zipfile

import pytest

from parsl import File, python_app
from parsl.data_provider.staging_errors import StagingError
from parsl.data_provider.zip import ZipAuthorityError, ZipFileStaging, zip_path_split
from parsl.dataflow.errors import DependencyError
from parsl.executors.threads import ThreadPoolExecutor


@python_app
def produce(text, outputs=()):
    with open(outputs[0], "w") as f:
        f.write(text)


@python_app
def consume(inputs=()):
    with open(inputs[0]) as f:
        return f.read()


def test_zip_round_trip(make_dfk, tmp_path):
    make_dfk(executors=[ThreadPoolExecutor(working_dir=str(tmp_path / "work"))])
    archive = tmp_path / "store" / "results.zip"
    futures = [produce(f"content {i}", outputs=[File(f"zip:{archive}/dir/out{i}.txt")]) for i in range(5)]
    for fut in futures:
        fut.outputs[0].result()
    with zipfile.ZipFile(archive) as z:
        assert sorted(z.namelist()) == [f"dir/out{i}.txt" for i in range(5)]
        assert z.read("dir/out3.txt") == b"content 3"
    assert consume(inputs=[File(f"zip:{archive}/dir/out2.txt")]).result() == "content 2"


def test_zip_output_feeds_a_later_task(make_dfk, tmp_path):
    make_dfk(executors=[ThreadPoolExecutor(working_dir=str(tmp_path / "work"))])
    archive = tmp_path / "a.zip"
    made = produce("chained", outputs=[File(f"zip:{archive}/x.txt")]).outputs[0]
    assert consume(inputs=[made]).result() == "chained"


def test_zip_needs_a_working_dir(dfk, tmp_path):
    with pytest.raises(ValueError, match="working_dir"):  # raised at the call, as in Parsl
        produce("x", outputs=[File(f"zip:{tmp_path}/a.zip/x.txt")])


def test_zip_urls_with_an_authority_are_refused():
    with pytest.raises(ZipAuthorityError, match="authority"):
        ZipFileStaging().can_stage_in(File("zip://host/a.zip/b"))
    assert not ZipFileStaging().can_stage_in(File("/plain/file"))


def test_zip_path_split():
    assert zip_path_split("/a/b.zip/c/d.txt") == ("/a/b.zip", "c/d.txt")
    with pytest.raises(ValueError, match=r"\.zip"):
        zip_path_split("/a/b.tar/c")


def test_an_authority_in_a_zip_url_is_an_error_at_the_call(make_dfk, tmp_path):
    make_dfk(executors=[ThreadPoolExecutor(working_dir=str(tmp_path / "work"))])
    with pytest.raises(ZipAuthorityError, match="someauthority"):
        produce("x", outputs=[File(f"zip://someauthority/{tmp_path}/a.zip/x.txt")])
    made = produce("fine", outputs=[File(f"zip:{tmp_path}/b.zip/y.txt")]).outputs[0]
    assert consume(inputs=[made]).result() == "fine"


def _work_dfk(make_dfk, tmp_path):
    work = tmp_path / "work"
    make_dfk(executors=[ThreadPoolExecutor(working_dir=str(work))])
    return work


def test_staging_out_a_member_again_replaces_it(make_dfk, tmp_path):
    _work_dfk(make_dfk, tmp_path)
    archive = tmp_path / "r.zip"
    produce("keep me", outputs=[File(f"zip:{archive}/other.txt")]).result()
    produce("old", outputs=[File(f"zip:{archive}/dir/x.txt")]).result()
    produce("new", outputs=[File(f"zip:{archive}/dir/x.txt")]).result()  # resolves after stage-out
    with zipfile.ZipFile(archive) as z:
        assert sorted(z.namelist()) == ["dir/x.txt", "other.txt"]  # no duplicate entry
        assert z.read("dir/x.txt") == b"new"
        assert z.read("other.txt") == b"keep me"
        assert z.testzip() is None
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []


def test_a_missing_member_is_a_staging_error_naming_url_and_member(make_dfk, tmp_path):
    work = _work_dfk(make_dfk, tmp_path)
    archive = tmp_path / "r.zip"
    produce("x", outputs=[File(f"zip:{archive}/present.txt")]).result()
    url = f"zip:{archive}/absent.txt"
    with pytest.raises(DependencyError) as info:
        consume(inputs=[File(url)]).result()
    err = info.value.__cause__
    assert isinstance(err, StagingError) and err.url == url
    assert str(err) == f"staging in {url} failed: no member 'absent.txt' in archive {archive}"
    assert str(err) in str(info.value)
    assert list(work.iterdir()) == []


def test_a_corrupt_archive_is_a_staging_error(make_dfk, tmp_path):
    _work_dfk(make_dfk, tmp_path)
    archive = tmp_path / "bad.zip"
    archive.write_bytes(b"this is not a zip archive")
    with pytest.raises(DependencyError, match=r"StagingError: staging in zip:\S+bad.zip/m.txt failed: .*not a valid"):
        consume(inputs=[File(f"zip:{archive}/m.txt")]).result()


def test_a_missing_archive_is_a_staging_error(make_dfk, tmp_path):
    _work_dfk(make_dfk, tmp_path)
    with pytest.raises(DependencyError, match=r"staging in zip:\S+nowhere.zip/m.txt failed: No such file or directory"):
        consume(inputs=[File(f"zip:{tmp_path}/nowhere.zip/m.txt")]).result()


def test_a_damaged_member_leaves_no_file_behind(make_dfk, tmp_path):
    work = _work_dfk(make_dfk, tmp_path)
    archive = tmp_path / "damaged.zip"
    payload = b"A" * 100_000
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr("big.bin", payload)
    data = bytearray(archive.read_bytes())
    at = data.index(payload)
    data[at + 50_000] ^= 0xFF  # the CRC check fails only after most of the member was written
    archive.write_bytes(bytes(data))
    with pytest.raises(DependencyError, match=r"staging in zip:\S+damaged.zip/big.bin failed: .*CRC"):
        consume(inputs=[File(f"zip:{archive}/big.bin")]).result()
    assert list(work.iterdir()) == []  # neither the target nor a partial file


def test_an_output_the_app_did_not_write_fails_the_app_future(make_dfk, tmp_path):
    _work_dfk(make_dfk, tmp_path)

    @python_app
    def forgets(outputs=()):
        return "done"

    url = f"zip:{tmp_path}/r.zip/never.txt"
    with pytest.raises(StagingError, match=rf"^staging out {url} failed: the task did not produce "):
        forgets(outputs=[File(url)]).result()
    assert not (tmp_path / "r.zip").exists()
