"""Parsl's radio interfaces: ``RadioConfig`` and the sender and receiver it would create."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from multiprocessing.queues import Queue

from parsl.errors import ParslError


class RadioNotUsed(ParslError):
    """A radio was asked to start, but this monitoring plugin carries reports inside task results."""

    def __init__(self, radio: object) -> None:
        super().__init__(f"{type(radio).__name__} is accepted for compatibility but never started: parsl-monitoring "
                         "carries worker reports inside task results, so no radio is needed")


class MonitoringRadioReceiver(metaclass=ABCMeta):
    """The submit-side end of a radio."""

    @abstractmethod
    def shutdown(self) -> None:
        """Stop receiving."""


class MonitoringRadioSender(metaclass=ABCMeta):
    """The worker-side end of a radio."""

    @abstractmethod
    def send(self, message: object) -> None:
        """Send one monitoring message."""


class RadioConfig(metaclass=ABCMeta):
    """How monitoring messages would travel from workers: a receiver on the submit side, senders remotely."""

    @abstractmethod
    def create_receiver(self, *, run_dir: str, resource_msgs: Queue) -> MonitoringRadioReceiver:
        """Start the receiving end (once, on the submit side)."""

    @abstractmethod
    def create_sender(self) -> MonitoringRadioSender:
        """Make a sending end (possibly many times, on workers)."""


class UnusedRadio(RadioConfig):
    """A Parsl radio configuration that is kept but never started (see the package docstring)."""

    def create_receiver(self, *, run_dir: str, resource_msgs: Queue) -> MonitoringRadioReceiver:
        raise RadioNotUsed(self)

    def create_sender(self) -> MonitoringRadioSender:
        raise RadioNotUsed(self)
