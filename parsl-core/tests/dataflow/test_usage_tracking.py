"""Usage tracking against a real UDP receiver on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
from typing import Any, Callable, Iterator

import pytest

import parsl
from parsl.config import Config
from parsl.errors import ConfigurationError
from parsl.executors.threads import ThreadPoolExecutor
from parsl.usage_tracking.levels import LEVEL_1, LEVEL_2, LEVEL_3

#: Guards against a hang only: every receive below waits for a datagram that is due.
RECEIVE_GUARD = 120


@parsl.python_app
def ok() -> int:
    return 1


@parsl.python_app
def boom() -> None:
    raise ValueError("boom")


class Receiver:
    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(RECEIVE_GUARD)
        self.endpoint = f"127.0.0.1:{self.sock.getsockname()[1]}"

    def receive(self) -> dict[str, Any]:
        data, _ = self.sock.recvfrom(65536)
        assert data[:1] == b"1", "Parsl's protocol byte comes first"
        return json.loads(data[1:])  # type: ignore[no-any-return]

    def assert_nothing_was_sent(self) -> None:
        """Send ourselves a marker: if it is the first datagram, nothing came before it."""
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(b"1" + json.dumps({"marker": True}).encode(), self.sock.getsockname())
        assert self.receive() == {"marker": True}


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    r = Receiver()
    monkeypatch.setenv("PARSL_USAGE_TRACKING_ENDPOINT", r.endpoint)
    for name in ("PARSL_DISABLE_USAGE_TRACKING", "DO_NOT_TRACK"):
        monkeypatch.delenv(name, raising=False)
    yield r
    r.sock.close()


def _sender_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "parsl-usage-tracking"]


def _run(make_dfk: Callable[..., Any], **config: Any) -> Any:
    dfk = make_dfk(**config)
    ok().result()
    boom().exception()
    dfk.cleanup()
    return dfk


def test_level_3_start_and_end(make_dfk: Callable[..., Any], receiver: Receiver) -> None:
    dfk = _run(make_dfk, usage_tracking=LEVEL_3, project_name="unit-test",
               executors=[ThreadPoolExecutor(label="pool", max_threads=2)])
    start, end = receiver.receive(), receiver.receive()
    assert start["correlator"] == end["correlator"]
    assert start["tracking_level"] == 3 and start["project_name"] == "unit-test"
    assert {"parsl_v", "parsl_core_v", "python_v", "platform.system", "start"} <= set(start)
    assert start["components"][0] == {"c": "parsl.config.Config", "executors_len": 1, "dependency_resolver": False}
    assert "parsl.executors.threads.ThreadPoolExecutor" in start["components"]
    (dfk_part,) = end["components"]
    assert dfk_part == {"c": "parsl.dataflow.dflow.DataFlowKernel", "app_count": 2, "app_fails": 1}
    assert end["end"] >= start["start"] and end["execution_time"] >= 0
    assert dfk.usage_tracker._sender.thread is None, "an IP address needs no resolving thread"
    receiver.assert_nothing_was_sent()


@pytest.mark.parametrize("level", [LEVEL_1, LEVEL_2])
def test_lower_levels_send_less(make_dfk: Callable[..., Any], receiver: Receiver, level: int) -> None:
    _run(make_dfk, usage_tracking=level)
    start, end = receiver.receive(), receiver.receive()
    assert ("components" in start) is (level == LEVEL_2)
    assert "start" not in start and "project_name" not in start
    assert end == {"correlator": start["correlator"], "tracking_level": level}


def test_tracking_off_sends_not_one_packet(make_dfk: Callable[..., Any], receiver: Receiver) -> None:
    dfk = _run(make_dfk)
    assert dfk.usage_tracker.tracking_level == 0 and dfk.usage_tracker._sender is None
    assert not _sender_threads()
    receiver.assert_nothing_was_sent()


@pytest.mark.parametrize("variable", ["PARSL_DISABLE_USAGE_TRACKING", "DO_NOT_TRACK"])
def test_environment_turns_tracking_off(make_dfk: Callable[..., Any], receiver: Receiver,
                                        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
                                        variable: str) -> None:
    monkeypatch.setenv(variable, "1")
    with caplog.at_level(logging.INFO, logger="parsl.usage_tracking"):
        dfk = _run(make_dfk, usage_tracking=LEVEL_3)
    assert dfk.usage_tracker.tracking_level == 0
    assert f"Usage tracking is off: {variable} is set" in caplog.text
    receiver.assert_nothing_was_sent()


@pytest.mark.parametrize("endpoint", ["localhost", "localhost:", ":50077", "host:port", "host:0", "host:70000",
                                      "a:b:1", "[::1:1", "http://host:1"])
def test_malformed_endpoint_is_a_configuration_error_at_load(monkeypatch: pytest.MonkeyPatch, tmp_path: Any,
                                                               endpoint: str) -> None:
    monkeypatch.setenv("PARSL_USAGE_TRACKING_ENDPOINT", endpoint)
    monkeypatch.delenv("DO_NOT_TRACK", raising=False)
    monkeypatch.delenv("PARSL_DISABLE_USAGE_TRACKING", raising=False)
    executor = ThreadPoolExecutor(max_threads=1)
    expected = re.escape(f"PARSL_USAGE_TRACKING_ENDPOINT={endpoint!r}") + ".*host:port"
    with pytest.raises(ConfigurationError, match=expected):
        parsl.load(Config(executors=[executor], run_dir=str(tmp_path), usage_tracking=LEVEL_1))
    assert executor.executor is None and parsl.DataFlowKernelLoader._dfk is None


def test_ipv6_endpoint(make_dfk: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    try:
        sock.bind(("::1", 0))
    except OSError as e:
        pytest.fail(f"this machine has no IPv6 loopback: {e}")
    sock.settimeout(RECEIVE_GUARD)
    monkeypatch.setenv("PARSL_USAGE_TRACKING_ENDPOINT", f"[::1]:{sock.getsockname()[1]}")
    monkeypatch.delenv("DO_NOT_TRACK", raising=False)
    monkeypatch.delenv("PARSL_DISABLE_USAGE_TRACKING", raising=False)
    make_dfk(usage_tracking=LEVEL_1).cleanup()
    with sock:
        assert json.loads(sock.recvfrom(65536)[0][1:])["tracking_level"] == 1


def test_unreachable_endpoint_neither_blocks_nor_raises(make_dfk: Callable[..., Any], monkeypatch: pytest.MonkeyPatch,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("PARSL_USAGE_TRACKING_ENDPOINT", "no-such-host.invalid:50077")
    monkeypatch.delenv("DO_NOT_TRACK", raising=False)
    monkeypatch.delenv("PARSL_DISABLE_USAGE_TRACKING", raising=False)
    with caplog.at_level(logging.INFO, logger="parsl.usage_tracking"):
        dfk = _run(make_dfk, usage_tracking=LEVEL_3)  # the workflow ran and cleaned up meanwhile
        thread = dfk.usage_tracker._sender.thread
        assert thread is not None
        thread.join(RECEIVE_GUARD)
    failures = [r for r in caplog.records if "no-such-host.invalid:50077" in r.getMessage()]
    assert len(failures) == 1, "both messages dropped, logged once"


def test_invalid_levels_are_rejected() -> None:
    for level in (-1, 4):
        with pytest.raises(ConfigurationError, match="usage_tracking"):
            Config(usage_tracking=level)


def test_booleans_are_levels_0_and_1() -> None:
    """Parsl's ``int`` annotation lets ``True``/``False`` through; they mean level 1 and off."""
    assert Config(usage_tracking=True).usage_tracking == 1
    assert Config(usage_tracking=False).usage_tracking == 0
    config = Config()
    config.usage_tracking = True
    assert config.usage_tracking == 1


def test_a_failed_send_is_dropped_and_logged_once(make_dfk: Callable[..., Any], receiver: Receiver,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="parsl.usage_tracking"):
        _run(make_dfk, usage_tracking=LEVEL_1, project_name="x" * 70000)  # over a datagram's size
    failures = [r.getMessage() for r in caplog.records if r.name.startswith("parsl.usage_tracking")]
    assert len(failures) == 1 and f"sending to {receiver.endpoint} failed" in failures[0]
    receiver.assert_nothing_was_sent()
