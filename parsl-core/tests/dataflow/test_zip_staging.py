"""Zip-file staging: outputs into an archive, inputs out of it."""

from __future__ import annotations

import zipfile

import pytest
from parsl import File, python_app
from parsl.data_provider.zip import ZipAuthorityError, ZipFileStaging, zip_path_split
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
