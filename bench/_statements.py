"""What a PostgreSQL database did, from pg_stat_statements (the cluster must load it:
`Cluster(statements=True)`): statements run (every round trip: BEGIN, COMMIT and SET count),
rows they returned or changed, and shared buffer blocks they touched (hit or read): the figure
that grows when a statement scans instead of looking up. The bench's own questions are left
out."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg


@dataclass(frozen=True)
class Totals:
    calls: int = 0
    rows: int = 0
    blocks: int = 0
    top: tuple[tuple[str, int, int, int], ...] = ()  # (query, calls, rows, blocks), costliest


class Statements:
    """pg_stat_statements of the database `url`."""

    def __init__(self, url: str) -> None:
        self.url = url
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")

    def reset(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("SELECT pg_stat_statements_reset()")

    def read(self, top: int = 0) -> Totals:
        with psycopg.connect(self.url, autocommit=True) as conn:
            rows = conn.execute(
                """SELECT query, calls, rows, shared_blks_hit + shared_blks_read
                   FROM pg_stat_statements
                   WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
                     AND query NOT ILIKE '%pg_stat_statements%'
                   ORDER BY 4 DESC""").fetchall()
        return Totals(sum(int(r[1]) for r in rows), sum(int(r[2]) for r in rows),
                      sum(int(r[3]) for r in rows),
                      tuple((" ".join(str(r[0]).split()), int(r[1]), int(r[2]), int(r[3]))
                            for r in rows[:top]))
