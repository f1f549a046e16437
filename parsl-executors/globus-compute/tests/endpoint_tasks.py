"""Task functions for the endpoint-engine tests, deployed beside the endpoint as a user's module would be.

The SDK's default serializer ships functions of importable modules by reference, so the endpoint
must be able to import this module: it imports nothing but the standard library.
"""

from __future__ import annotations


def where_am_i() -> str:
    import parsl

    return parsl.__file__


def multiply(a: int, b: int = 1) -> int:
    return a * b


def raise_deep(message: str) -> None:
    def deep_helper_on_the_endpoint() -> None:
        raise KeyError(message)

    deep_helper_on_the_endpoint()
