"""The changed_rows incremental strategy leaves the stored table equal to the
run's output and rewrites only the rows that differ.

The strategy's SQL (macros/portable/changed_rows_incremental.sql) is rendered
by Jinja with dbt's two helpers stubbed, and run on hand-made tables: every
case a weekly run meets (unchanged, changed, null on either side, new and
vanished keys).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import jinja2
from dbt_project import PROJECT_DIR

MACRO_FILE = PROJECT_DIR / "macros" / "portable" / "changed_rows_incremental.sql"
COLUMNS = ("user_id", "kpi_name", "unit_value", "note")
TABLE = "(user_id varchar, kpi_name varchar, unit_value double, note varchar)"


@dataclass(frozen=True)
class _Relation:
    identifier: str

    def __str__(self) -> str:
        return self.identifier


@dataclass(frozen=True)
class _Column:
    name: str


def _strategy_sql(macro_file: Path = MACRO_FILE) -> str:
    environment = jinja2.Environment(extensions=["jinja2.ext.do"])
    environment.globals["get_quoted_csv"] = lambda names: ", ".join(f'"{n}"' for n in names)
    module = None

    class _Project:  # the project's namespace: tenant_kpis.<macro>
        def __getattr__(self, name: str):
            return getattr(module, name)

    environment.globals["tenant_kpis"] = _Project()
    module = environment.from_string(macro_file.read_text()).module
    return str(
        module.get_incremental_changed_rows_sql(
            {
                "target_relation": _Relation("stored"),
                "temp_relation": _Relation("computed"),
                "unique_key": ["user_id", "kpi_name"],
                "dest_columns": [_Column(name) for name in COLUMNS],
            }
        )
    )


STORED = [
    ("u1", "a", 1.0, "same"),
    ("u1", "b", None, None),  # unchanged, nulls on both sides
    ("u2", "a", 2.0, "old"),  # changes a value
    ("u3", "a", None, "x"),  # null becomes a value
    ("u4", "a", 4.0, "gone"),  # its key vanishes
]
COMPUTED = [
    ("u1", "a", 1.0, "same"),
    ("u1", "b", None, None),
    ("u2", "a", 2.5, "old"),
    ("u3", "a", 3.0, "x"),
    ("u5", "a", 5.0, "new"),  # a new key
]


def _run(
    stored: list[tuple], computed: list[tuple], macro_file: Path = MACRO_FILE
) -> tuple[list[tuple], list[tuple]]:
    """The stored rows after the strategy, and those it left in place."""
    with duckdb.connect() as connection:
        for name, rows in (("stored", stored), ("computed", computed)):
            connection.execute(f"create table {name} {TABLE}")
            if rows:
                connection.executemany(f"insert into {name} values (?, ?, ?, ?)", rows)
        before = connection.execute("select rowid, * from stored").fetchall()
        connection.execute(_strategy_sql(macro_file))
        after = connection.execute("select rowid, * from stored").fetchall()
        tables = connection.execute("select table_name from duckdb_tables()").fetchall()
    assert sorted(tables) == [("computed",), ("stored",)]  # its work table is dropped
    untouched = sorted(row[1:] for row in set(before) & set(after))
    return sorted(row[1:] for row in after), untouched


def _sort(rows: list[tuple]) -> list[tuple]:
    return sorted(rows, key=repr)


def test_the_stored_table_becomes_the_output() -> None:
    after, _ = _run(STORED, COMPUTED)
    assert _sort(after) == _sort(COMPUTED)


def test_only_the_rows_that_differ_are_written() -> None:
    _, untouched = _run(STORED, COMPUTED)
    # same rowid and values: never deleted and inserted again
    assert _sort(untouched) == _sort([("u1", "a", 1.0, "same"), ("u1", "b", None, None)])


def test_an_unchanged_output_writes_nothing_and_an_empty_one_empties_the_table() -> None:
    after, untouched = _run(STORED, STORED)
    assert _sort(after) == _sort(untouched) == _sort(STORED)
    after, _ = _run(STORED, [])
    assert after == []


def test_a_strategy_without_the_vanished_key_delete_would_fail_here(tmp_path: Path) -> None:
    # the check above can fail: drop the second delete and the vanished key stays
    text = MACRO_FILE.read_text()
    start = text.index("    delete from {{ target }} as stored\n    where not exists")
    end = text.index("    insert into {{ target }}")
    broken = tmp_path / "broken.sql"
    broken.write_text(text[:start] + text[end:])
    after, _ = _run(STORED, COMPUTED, broken)
    assert ("u4", "a", 4.0, "gone") in after
