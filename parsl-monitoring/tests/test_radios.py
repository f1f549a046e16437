"""Parsl's radio configurations load unchanged in executor configurations and are never started."""

from __future__ import annotations

import pytest

from parsl.executors import ThreadPoolExecutor
from parsl.monitoring.radios.base import RadioConfig
from parsl.monitoring.radios.filesystem import FilesystemRadio
from parsl.monitoring.radios.htex import HTEXRadio
from parsl.monitoring.radios.multiprocessing import MultiprocessingQueueRadio
from parsl.monitoring.radios.udp import UDPRadio
from parsl.plugins.settings import SettingTypeError
from parsl_monitoring.radios.base import RadioNotUsed


def test_udp_radio_takes_parsls_keywords() -> None:
    radio = UDPRadio(address="127.0.0.1", port=50000, atexit_timeout=1, debug=True, hmac_digest="sha256")
    assert (radio.address, radio.port, radio.atexit_timeout, radio.debug, radio.hmac_digest) == (
        "127.0.0.1", 50000, 1, True, "sha256")
    assert repr(radio) == ("UDPRadio(port=50000, atexit_timeout=1, address='127.0.0.1', debug=True, "
                           "hmac_digest='sha256')")


def test_udp_radio_keywords_are_checked() -> None:
    with pytest.raises(TypeError, match="missing 1 required keyword-only argument: 'address'"):
        UDPRadio()
    with pytest.raises(TypeError):
        UDPRadio("127.0.0.1")  # keyword-only, as in Parsl
    with pytest.raises(SettingTypeError, match=r"UDPRadio\.port"):
        UDPRadio(address="127.0.0.1", port="5000")


@pytest.mark.parametrize("radio", [UDPRadio(address="127.0.0.1"), HTEXRadio(), FilesystemRadio(),
                                   MultiprocessingQueueRadio()], ids=lambda r: type(r).__name__)
def test_a_radio_is_kept_by_the_executor_and_never_started(radio: RadioConfig, tmp_path: object) -> None:
    executor = ThreadPoolExecutor(remote_monitoring_radio=radio)
    assert executor.remote_monitoring_radio is radio
    with pytest.raises(RadioNotUsed, match=f"{type(radio).__name__} is accepted for compatibility but never started"):
        radio.create_sender()
    with pytest.raises(RadioNotUsed):
        radio.create_receiver(run_dir=str(tmp_path), resource_msgs=None)  # type: ignore[arg-type]
