"""Anju (安居): the district registration service."""

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    # Lazy, so small entry points (the ID authority simulator) start fast.
    if name == "create_app":
        from anju.app import create_app

        return create_app
    raise AttributeError(name)
