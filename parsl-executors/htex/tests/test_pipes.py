"""The executor-interchange pipes: framing, buffered sends that never block, closed ends."""

from __future__ import annotations

import os
import pickle
import select
import sys
from typing import Iterator

import pytest

from parsl_executor_htex import pipes, wire
from parsl_executor_htex.client import launch


@pytest.fixture
def link() -> Iterator[tuple[pipes.Channel, pipes.Channel]]:
    """Two channels joined back to back: (the executor's end, the interchange's buffered end)."""
    a_r, b_w = pipes.pipe()
    b_r, a_w = pipes.pipe()
    ends = pipes.Channel(a_r, a_w, buffered=False), pipes.Channel(b_r, b_w, buffered=True)
    yield ends
    for end in ends:
        end.close()


def readable(fd: int) -> bool:
    return bool(select.select([fd], [], [], 10)[0])


def test_messages_of_one_or_two_frames_arrive_whole_however_the_bytes_are_split(link) -> None:
    executor, interchange = link
    message = pipes.FRAMES.pack(3, 5) + b"abc" + b"defgh"
    for i in range(1, len(message)):  # cut at every byte: nothing comes out until the last byte is in
        os.write(executor.write_fd, message[:i])
        assert readable(interchange.read_fd) and interchange.receive() == []
        os.write(executor.write_fd, message[i:])
        assert readable(interchange.read_fd) and interchange.receive() == [[b"abc", b"defgh"]]
    executor.send(wire.TASKS)
    executor.send(wire.COMMAND, b"pickled")
    assert readable(interchange.read_fd)
    assert interchange.receive() == [[wire.TASKS], [wire.COMMAND, b"pickled"]]


def test_a_buffered_send_never_blocks_and_flushes_as_the_reader_reads(link) -> None:
    executor, interchange = link
    big = [bytes([i]) * 3_000_000 for i in range(3)]  # more than the pipe holds
    for payload in big:
        interchange.send(wire.RESULTS, payload)  # returns although nobody reads yet
    assert interchange.pending
    received: list[list[bytes]] = []
    while len(received) < len(big):
        assert readable(executor.read_fd)
        received += executor.receive()
        interchange.flush()
    assert received == [[wire.RESULTS, payload] for payload in big]
    assert not interchange.pending


def test_a_closed_end_is_eof_for_the_reader_and_drops_the_writers_output(link) -> None:
    executor, interchange = link
    interchange.send(wire.RESULTS, b"x" * 3_000_000)
    os.close(executor.read_fd)
    interchange.flush()  # the reader is gone: what it would not read is dropped, nothing raised
    assert not interchange.pending
    os.close(executor.write_fd)
    assert readable(interchange.read_fd)
    with pytest.raises(EOFError):
        interchange.receive()
    executor.read_fd = executor.write_fd = -1  # closed above


def test_the_interchange_exits_when_the_executor_closes_its_pipe(tmp_path) -> None:
    config = {"heartbeat_threshold": 60, "interchange_address": "127.0.0.1", "cert_dir": None,
              "parent_pid": os.getpid(), "logdir": str(tmp_path)}
    with open(tmp_path / "interchange.stderr", "wb") as err:
        proc, channel = launch([sys.executable, "-m", "parsl_executor_htex.interchange"], config, err)
    try:
        assert readable(channel.read_fd)
        [[tag, body]] = channel.receive()
        assert tag == wire.READY and pickle.loads(body)["pid"] == proc.pid
    finally:
        channel.close()  # this process lives on: only the closed pipe tells the interchange
    assert proc.wait(30) == 0
    with open(tmp_path / "interchange.log") as f:
        assert "the executor closed its pipe: exiting" in f.read()
