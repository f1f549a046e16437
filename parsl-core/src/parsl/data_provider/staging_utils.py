"""The former home of the staging helpers, kept so that plugins importing from it keep working.

New code imports from the modules that hold each idea: ``staging_errors``, ``checksums``,
``atomic_files``, ``node_cache``, ``transfers``, ``local_paths`` and ``protocol_staging``; a
staging task is submitted with ``dm.submit_staging_task(func, ...)``.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Callable

from parsl.data_provider.atomic_files import install_atomically, partial_path
from parsl.data_provider.checksums import expected_checksum, file_digest, without_fragment
from parsl.data_provider.local_paths import remove_sandbox_file, set_local_path, working_dir_of
from parsl.data_provider.node_cache import DEFAULT_CACHE_SIZE, NodeCache
from parsl.data_provider.protocol_staging import (
    DownloadStaging,
    InTaskStaging,
    SeparateTaskStaging,
    in_task_stage_in,
    in_task_stage_out,
    stage_in_task,
    stage_out_task,
)
from parsl.data_provider.staging_errors import StagingError, describe, redact
from parsl.data_provider.transfers import Fetch, Upload, fetch_to, upload_from
from parsl.dataflow.internal import INTERNAL_EXECUTOR

if TYPE_CHECKING:
    from parsl.plugins.protocols import DataManagerView


def submit_staging_task(dm: DataManagerView, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Future:
    """``dm.submit_staging_task(func, *args, **kwargs)``, under its former name."""
    return dm.submit_staging_task(func, *args, **kwargs)


__all__ = [
    "DEFAULT_CACHE_SIZE",
    "INTERNAL_EXECUTOR",
    "DownloadStaging",
    "Fetch",
    "InTaskStaging",
    "NodeCache",
    "SeparateTaskStaging",
    "StagingError",
    "Upload",
    "describe",
    "expected_checksum",
    "fetch_to",
    "file_digest",
    "in_task_stage_in",
    "in_task_stage_out",
    "install_atomically",
    "partial_path",
    "redact",
    "remove_sandbox_file",
    "set_local_path",
    "stage_in_task",
    "stage_out_task",
    "submit_staging_task",
    "upload_from",
    "without_fragment",
    "working_dir_of",
]
