"""Fixtures every test folder may use: a throwaway PostgreSQL cluster for the session (started
only when a test asks for it) and an empty database of its own for each test that does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.pg_cluster import Cluster, unavailable


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    why = unavailable()
    if why is not None:
        pytest.skip(why)
    cluster = Cluster().start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: Cluster) -> str:
    """An empty database on the session's cluster, for this test alone."""
    return pg_cluster.emptied()
