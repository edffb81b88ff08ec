"""Every foreign key leads an index, on the database the migrations build: a runner's rows
are found by it, and a deleted parent's children are found by it (ON DELETE CASCADE or
SET NULL), which without one reads the whole child table once per parent row deleted
(a runner's /delete took 4.5 s on 1,000 runners before revision 0009)."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from bot.db.engine import Database


def _unindexed_foreign_keys(conn: Connection) -> list[tuple[str, tuple[str, ...]]]:
    found = inspect(conn)
    missing = []
    for table in found.get_table_names():
        leading = [
            tuple(index["column_names"])
            for index in found.get_indexes(table)
            if not any(key.endswith("_where") for key in index.get("dialect_options", {}))
        ]  # a partial index serves only the rows it holds
        leading += [tuple(u["column_names"]) for u in found.get_unique_constraints(table)]
        leading.append(tuple(found.get_pk_constraint(table)["constrained_columns"]))
        for key in found.get_foreign_keys(table):
            columns = tuple(key["constrained_columns"])
            if not any(index[: len(columns)] == columns for index in leading):
                missing.append((table, columns))
    return missing


async def test_every_foreign_key_leads_an_index(migrated_db: Database) -> None:
    async with migrated_db.engine.connect() as conn:
        assert await conn.run_sync(_unindexed_foreign_keys) == []
