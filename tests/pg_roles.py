"""PostgreSQL roles for the tests of team mode: a login role that may read and change nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import make_url

from tests.postgres_cluster import Cluster


@contextmanager
def read_only_role(cluster: Cluster, url: str, name: str) -> Iterator[str]:
    """A login role ``name`` that may read every table of the database at ``url`` and change
    nothing (as team mode's ``--reader`` makes it): yields the address that connects as it.
    Dropped afterwards (also when the test failed), with whatever it came to own."""
    address = make_url(url)
    database = str(address.database)
    cluster.execute(
        f"DROP ROLE IF EXISTS {name}",
        f"CREATE ROLE {name} LOGIN",
        f"GRANT USAGE ON SCHEMA public TO {name}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {name}",
        database=database,
    )
    try:
        yield address.set(username=name).render_as_string(hide_password=False)
    finally:
        cluster.execute(
            f"REASSIGN OWNED BY {name} TO CURRENT_USER",
            f"DROP OWNED BY {name}",
            database=database,
        )
        cluster.execute(f"DROP ROLE IF EXISTS {name}")
