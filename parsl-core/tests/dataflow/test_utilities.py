"""ParslPoolExecutor, logging helpers, wrap_with_logs, get_std_fname_mode, addresses, execute_wait."""

from __future__ import annotations

import io
import logging
import os
import pickle
import subprocess

import pytest

import parsl
from parsl.app.errors import BadStdStreamFile
from parsl.concurrent import ParslPoolExecutor
from parsl.config import Config
from parsl.dataflow.futures import AppFuture
from parsl.log_utils import set_file_logger, set_stream_logger
from parsl.process_loggers import wrap_with_logs
from parsl.utils import AtomicIDCounter, execute_wait, get_std_fname_mode, sanitize_dns_label_rfc1123


def cube(x):
    return x ** 3


def test_parsl_pool_executor_with_its_own_config(tmp_path):
    with ParslPoolExecutor(config=Config(run_dir=str(tmp_path))) as pool:
        fut = pool.submit(cube, 3)
        assert isinstance(fut, AppFuture) and fut.result() == 27
        assert list(pool.map(cube, range(4))) == [0, 1, 8, 27]
        assert pool.app_count == 1
    with pytest.raises(parsl.errors.NoDataFlowKernelError):
        parsl.dfk()
    with pytest.raises(RuntimeError, match="shut down"):
        pool.submit(cube, 1)


def test_parsl_pool_executor_on_a_loaded_dfk(dfk):
    pool = ParslPoolExecutor(dfk=dfk)
    assert pool.submit(cube, 2).result() == 8
    pool.shutdown()
    assert not dfk.cleanup_called


def test_parsl_pool_executor_arguments():
    with pytest.raises(ValueError, match="only one"):
        ParslPoolExecutor(config=Config(), dfk=object())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="one of"):
        ParslPoolExecutor()


def test_stream_and_file_loggers(tmp_path):
    stream = io.StringIO()
    undo_stream = set_stream_logger(name="parsl.test_stream", level=logging.INFO, stream=stream)
    undo_file = set_file_logger(str(tmp_path / "log.txt"), name="parsl.test_stream")
    logging.getLogger("parsl.test_stream").info("hello logs")
    undo_stream()
    undo_file()
    logging.getLogger("parsl.test_stream").info("not logged")
    assert "hello logs" in stream.getvalue() and "not logged" not in stream.getvalue()
    assert "hello logs" in (tmp_path / "log.txt").read_text()


def test_wrap_with_logs(caplog):
    @wrap_with_logs(target="parsl.test_wrap")
    def broken():
        raise KeyError("lost")

    with pytest.raises(KeyError):
        broken()
    assert "Exceptional ending for broken" in caplog.text
    assert wrap_with_logs(lambda: 5)() == 5


def test_get_std_fname_mode():
    assert get_std_fname_mode("stdout", "out.txt") == ("out.txt", "a+")
    assert get_std_fname_mode("stdout", ("out.txt", "w")) == ("out.txt", "w")
    assert get_std_fname_mode("stderr", os.path.join("a", "b")) == (os.path.join("a", "b"), "a+")
    with pytest.raises(BadStdStreamFile, match="tuple length"):
        get_std_fname_mode("stdout", ("a", "w", "x"))
    with pytest.raises(BadStdStreamFile, match="unexpected type"):
        get_std_fname_mode("stdout", 3)
    with pytest.raises(BadStdStreamFile, match=r"not a str or os\.PathLike"):
        get_std_fname_mode("stdout", (42, "w"))
    with pytest.raises(BadStdStreamFile, match="mode that is not a str"):
        get_std_fname_mode("stdout", ("out.txt", None))


def test_wrongly_typed_std_spec_is_also_parsl_s_type_error():
    with pytest.raises(BadStdStreamFile) as caught:
        get_std_fname_mode("stdout", ["out.txt", "w"])
    try:
        from typeguard import TypeCheckError as expected  # what Parsl raises, when installed
    except ImportError:
        expected = TypeError
    assert isinstance(caught.value, expected)
    again = pickle.loads(pickle.dumps(caught.value))
    assert type(again) is type(caught.value) and str(again) == str(caught.value)


def test_execute_wait():
    assert execute_wait("echo out; echo err 1>&2; exit 4") == (4, "out\n", "err\n")
    with pytest.raises(subprocess.TimeoutExpired, match=r"did not finish within 0\.2 s"):
        execute_wait("sleep 5", walltime=0.2)


def test_atomic_id_counter_and_dns_labels():
    counter = AtomicIDCounter()
    assert [counter.get_id() for _ in range(3)] == [0, 1, 2]
    assert sanitize_dns_label_rfc1123("My_Job--Name!") == "my-job-name"
    with pytest.raises(ValueError):
        sanitize_dns_label_rfc1123("___")


def test_addresses():
    from parsl.addresses import get_any_address, tcp_url

    assert tcp_url("10.0.0.1", 55) == "tcp://10.0.0.1:55"
    assert tcp_url("::1", "55001") == "tcp://[::1]:55001"
    assert tcp_url("::1") == "tcp://::1"
    assert tcp_url("*", 5) == "tcp://*:5"
    with pytest.raises(ValueError):
        tcp_url("not-an-address", 1)
    assert get_any_address()
