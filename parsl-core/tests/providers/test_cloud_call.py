"""``cloud_call``: a client library's error becomes ``CloudError`` with the cloud's code, once for every cloud."""

from __future__ import annotations

from typing import Optional, Tuple

import pytest

from parsl.providers.cloud import CloudError, cloud_call


class Refused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class Gone(Exception):
    pass


def describe(error: BaseException) -> Optional[Tuple[str, str]]:
    return (error.code, str(error)) if isinstance(error, Refused) else None


def raising(error: BaseException) -> None:
    raise error


def test_the_answer_passes_through() -> None:
    assert cloud_call("memory", "get", "i-1", lambda: 42, describe) == 42


def test_a_described_error_names_the_provider_action_resource_and_code() -> None:
    with pytest.raises(CloudError) as info:
        cloud_call("memory", "create instance", "i-1", lambda: raising(Refused("QuotaExceeded", "10 of 10 used")),
                   describe)
    assert str(info.value) == "memory: create instance (i-1) failed: QuotaExceeded: 10 of 10 used"
    assert isinstance(info.value.__cause__, Refused)


def test_passing_and_undescribed_errors_propagate_unchanged() -> None:
    with pytest.raises(Gone):
        cloud_call("memory", "get", "i-1", lambda: raising(Gone()), describe, passing=(Gone,))
    with pytest.raises(ZeroDivisionError):
        cloud_call("memory", "get", "i-1", lambda: 1 // 0, describe)
