"""The module paths and names that Parsl programs and Parsl's own tests import."""

from __future__ import annotations

import importlib

import pytest

import parsl
from parsl.dataflow.taskrecord import KEYS, TaskRecord
from parsl.executors.threads import ThreadPoolExecutor

PATHS = {
    "parsl.app.app": ["python_app", "bash_app", "join_app", "AppBase"],
    "parsl.app.errors": ["AppException", "AppBadFormatting", "BashExitFailure", "AppTimeout", "BashAppNoReturn",
                         "MissingOutputs", "BadStdStreamFile", "RemoteExceptionWrapper", "wrap_error"],
    "parsl.app.futures": ["DataFuture"],
    "parsl.app.python": ["timeout", "PythonApp"],
    "parsl.app.bash": ["BashApp", "remote_side_bash_executor"],
    "parsl.config": ["Config"],
    "parsl.data_provider.files": ["File"],
    "parsl.data_provider.staging": ["Staging"],
    "parsl.data_provider.data_manager": ["DataManager", "default_staging"],
    "parsl.data_provider.file_noop": ["NoOpFileStaging"],
    "parsl.data_provider.zip": ["ZipFileStaging", "ZipAuthorityError"],
    "parsl.dataflow.dflow": ["DataFlowKernel", "DataFlowKernelLoader"],
    "parsl.dataflow.states": ["States", "FINAL_STATES", "FINAL_FAILURE_STATES"],
    "parsl.dataflow.errors": ["DataFlowException", "BadCheckpoint", "PropagatedException", "DependencyError",
                              "JoinError"],
    "parsl.dataflow.futures": ["AppFuture"],
    "parsl.dataflow.memoization": ["BasicMemoizer", "Memoizer", "id_for_memo", "make_hash"],
    "parsl.dataflow.dependency_resolvers": ["DependencyResolver", "SHALLOW_DEPENDENCY_RESOLVER",
                                            "DEEP_DEPENDENCY_RESOLVER"],
    "parsl.dataflow.taskrecord": ["TaskRecord"],
    "parsl.dataflow.rundirs": ["make_rundir"],
    "parsl.errors": ["ParslError", "ConfigurationError", "OptionalModuleMissing", "InternalConsistencyError",
                     "NoDataFlowKernelError"],
    "parsl.executors": ["ThreadPoolExecutor"],
    "parsl.executors.threads": ["ThreadPoolExecutor"],
    "parsl.executors.errors": ["ExecutorError", "BadStateException", "UnsupportedFeatureError",
                               "InvalidResourceSpecification", "ScalingFailed", "BadMessage"],
    "parsl.executors.base": ["ParslExecutor"],
    "parsl.utils": ["RepresentationMixin", "get_all_checkpoints", "get_last_checkpoint", "get_std_fname_mode",
                    "AtomicIDCounter", "Timer", "AutoCancelTimer", "get_version", "execute_wait"],
    "parsl.log_utils": ["set_stream_logger", "set_file_logger"],
    "parsl.concurrent": ["ParslPoolExecutor"],
    "parsl.jobs.states": ["JobState", "JobStatus"],
    "parsl.serialize": ["serialize", "deserialize", "pack_apply_message", "unpack_apply_message"],
    "parsl.serialize.errors": ["SerializationError", "DeserializationError", "DeserializerPluginError"],
    "parsl.serialize.base": ["SerializerBase"],
    "parsl.serialize.concretes": ["PickleSerializer", "DillSerializer", "DillCallableSerializer"],
    "parsl.process_loggers": ["wrap_with_logs"],
    "parsl.addresses": ["address_by_route", "address_by_query", "address_by_hostname", "address_by_interface",
                        "get_all_addresses", "get_any_address", "tcp_url"],
    "parsl.launchers": [],
    "parsl.providers": [],
}


@pytest.mark.parametrize("module", sorted(PATHS))
def test_module_paths_and_names(module):
    mod = importlib.import_module(module)
    for name in PATHS[module]:
        assert hasattr(mod, name), f"{module}.{name}"


def test_top_level_names():
    for name in ("python_app", "bash_app", "join_app", "Config", "File", "DataFlowKernel", "DataFlowKernelLoader",
                 "load", "clear", "dfk", "wait_for_current_tasks", "set_stream_logger", "set_file_logger",
                 "ThreadPoolExecutor"):
        assert hasattr(parsl, name), name
    assert parsl.AUTO_LOGNAME == -1


def test_state_members_and_values():
    from parsl.dataflow.states import FINAL_FAILURE_STATES, FINAL_STATES, States

    assert {s.name: s.value for s in States} == {
        "pending": 0, "running": 2, "exec_done": 3, "failed": 4, "dep_fail": 5, "launched": 7,
        "fail_retryable": 8, "memo_done": 9, "joining": 10, "running_ended": 11}
    assert str(States.exec_done) == "States.exec_done"
    assert FINAL_STATES == {States.exec_done, States.memo_done, States.failed, States.dep_fail}
    assert FINAL_FAILURE_STATES == {States.failed, States.dep_fail}


def test_task_record_is_a_mapping_over_parsl_keys():
    record = TaskRecord(None, 7, len, (1,), {}, "threads", False, (), False, None)
    assert record["id"] == 7 and record["func_name"] == "len"
    assert "status" not in record
    record["status"] = "x"
    assert record["status"] == "x" and "status" in record
    record["custom"] = 1  # programs may add their own keys, as with Parsl's dict
    assert record["custom"] == 1 and "custom" in dict(record)
    del record["custom"]
    with pytest.raises(KeyError):
        record["join_lock"]
    assert set(dict(record)) <= set(KEYS)
    assert record.get("fail_history") == []
    assert record == record and record != TaskRecord(None, 7, len, (), {}, "t", False, (), False, None)


def test_task_record_times_read_and_write_as_datetimes_over_epoch_seconds():
    import datetime

    invoked = datetime.datetime(2026, 12, 7, 18, 30, 1, 250000)
    record = TaskRecord(None, 7, len, (), {}, "threads", False, (), False, invoked)
    assert record["time_invoked"] == invoked and record.time_invoked_epoch == invoked.timestamp()
    assert record["try_time_launched"] is None and "try_time_launched" in record
    record.try_time_launched_epoch = invoked.timestamp() + 2.5  # how the DataFlowKernel writes it
    assert record["try_time_launched"] == invoked + datetime.timedelta(seconds=2.5)
    record["time_returned"] = invoked + datetime.timedelta(seconds=3)  # how a program may write it
    assert record.time_returned_epoch == invoked.timestamp() + 3
    del record["try_time_returned"]
    assert "try_time_returned" not in record and "try_time_returned" not in dict(record)


def test_settings_reprs_round_trip():
    executor = ThreadPoolExecutor(label="x", max_threads=3, working_dir="/w")
    rebuilt = eval(repr(executor), {"ThreadPoolExecutor": ThreadPoolExecutor})
    assert repr(rebuilt) == repr(executor)


def test_thread_pool_executor_keywords_and_types():
    executor = ThreadPoolExecutor()
    assert (executor.label, executor.max_threads, executor.thread_name_prefix, executor.storage_access,
            executor.working_dir) == ("threads", 2, None, None, None)
    with pytest.raises(TypeError, match="max_threads"):
        ThreadPoolExecutor(max_threads="many")  # type: ignore[arg-type]
    assert not executor.monitor_resources()


def test_thread_pool_executor_standalone():
    executor = ThreadPoolExecutor(max_threads=2, thread_name_prefix="solo")
    executor.start()
    try:
        futures = [executor.submit(pow, {}, 2, i) for i in range(10)]
        assert [f.result() for f in futures] == [2 ** i for i in range(10)]
        failing = executor.submit(int, {}, "not a number")
        with pytest.raises(ValueError):
            failing.result()
    finally:
        executor.shutdown()
    with pytest.raises(RuntimeError, match="shut down"):
        executor.submit(pow, {}, 2, 2)


def test_representation_mixin_round_trips():
    from parsl.utils import RepresentationMixin

    class Thing(RepresentationMixin):
        def __init__(self, first, second="two", *, third=3):
            self.first = first
            self.second = second
            self.third = third

    thing = Thing(1, third=[1, 2])
    assert repr(thing) == "Thing(1, second='two', third=[1, 2])"
    assert repr(eval(repr(thing), {"Thing": Thing})) == repr(thing)

    class Missing(RepresentationMixin):
        _validate_repr = True

        def __init__(self, hidden):
            pass

    with pytest.raises(AttributeError, match="hidden"):
        repr(Missing(1))
