"""Anju (安居): the district registration service."""

from anju.app import create_app

__all__ = ["create_app"]
