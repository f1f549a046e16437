"""The sender takes the hooks' queue while they keep adding to it: nothing is lost, doubled or reordered."""

from __future__ import annotations

from typing import Any

from parsl_monitoring.client import WriterClient
from parsl_monitoring.records import ENTRY


class CollectingClient(WriterClient):
    """A client whose batches are kept here instead of going to a writer process."""

    def __init__(self) -> None:
        super().__init__("sqlite://", "unused.jsonl", 1.0, "unused.log", False, expand=list)
        self.batches: list[list[Any]] = []

    def _send(self, batch: list[Any]) -> None:
        assert len(batch) % ENTRY == 0, "a batch must hold whole entries"
        self.batches.append(batch)

    def events(self) -> list[Any]:
        return [e for batch in self.batches for e in batch[1::ENTRY]]


class InterruptedQueue(list[Any]):
    """A queue on which a hook runs just after the sender has copied it (as another thread may)."""

    def __init__(self, client: CollectingClient, late: Any) -> None:
        super().__init__()
        self.client, self.late = client, late

    def __getitem__(self, index: Any) -> Any:
        copied = super().__getitem__(index)
        if self.late is not None:
            late, self.late = self.late, None
            self.client.put("event", late)
        return copied


def test_an_event_queued_while_the_sender_takes_the_queue_goes_with_the_next_flush() -> None:
    client = CollectingClient()
    client.pending = InterruptedQueue(client, late="late")
    for i in range(3):
        client.put("event", i)
    client._flush()
    assert client.events() == [0, 1, 2]
    assert list(client.pending) == ["event", "late", None, None, None]
    client._flush()
    assert client.events() == [0, 1, 2, "late"]
    assert list(client.pending) == []


def test_a_flush_sends_whole_entries_in_chunks_in_order() -> None:
    from parsl_monitoring.client import CHUNK

    client = CollectingClient()
    count = CHUNK * 2 + 7
    for i in range(count):
        client.put("event", i)
    client._flush()
    assert [len(b) // ENTRY for b in client.batches] == [CHUNK, CHUNK, 7]
    assert client.events() == list(range(count))
    client._flush()
    assert len(client.batches) == 3  # nothing queued: nothing sent
