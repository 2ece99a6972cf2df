"""Shared fixtures: the real MovieLens 100k, fetched once per session by the project's fetcher."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def ml100k_dir():
    """The folder holding verified MovieLens 100k (fetched on first use)."""
    from videorecs_widgets import movielens

    return movielens.fetch()
