"""Fixtures every test folder may use: a throwaway PostgreSQL cluster for the session (started
only when a test asks for it), an empty database of its own for each test that does, and
`store`: a test that asks for it runs once on each backend (a test file's own `store`
fixture, where it has one, takes its place)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.store.contract import Store
from bot.store.memory import MemoryStore
from bot.store.tinydb_file import TinyDBStore
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


@pytest.fixture(params=["memory", "tinydb", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    s: Store
    if request.param == "memory":
        s = MemoryStore()
    elif request.param == "tinydb":
        s = TinyDBStore(tmp_path / "db.json")
    else:
        from bot.store.postgres import PostgresStore

        s = PostgresStore(request.getfixturevalue("pg_url"))
    yield s
    s.close()
