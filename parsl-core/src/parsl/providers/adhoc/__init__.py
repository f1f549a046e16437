"""``AdHocProvider``: one block per host of a fixed list, each reached through its own channel."""

from parsl.providers.adhoc.adhoc import AdHocProvider

__all__ = ["AdHocProvider"]
