"""The Python steps read from DuckDB the frames every other engine gives them.

PostgreSQL and Spark read a relation row by row (`warehouse._row_frame`: one
plain Python value per cell, the frame's types inferred by pandas); DuckDB
reads whole columns (`warehouse._duckdb_frame`). A step must see the same
frame either way: the same dtypes and values, for every type the column
read accepts, with no null, some nulls and only nulls, and the row path
wherever the column read would differ (decimals, no rows).
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from tenant_kpis.engines import warehouse

# one column per accepted type, written as: a value, another value
VALUES = {
    "boolean": ("true", "false"),
    "tinyint": ("1", "-3"),
    "smallint": ("300", "-2"),
    "integer": ("70000", "0"),
    "bigint": (str(2**40), "-7"),
    "float": ("0.5", "-1.25"),
    "double": ("1e-300", "-2.5"),
    "varchar": ("'a'", "''"),
    "date": ("date '2026-02-28'", "date '1999-12-31'"),
    "timestamp": ("timestamp '2026-01-05 10:00:00.123456'", "timestamp '1970-01-01'"),
}
# which of the three rows hold a null, per null pattern
NULL_PATTERNS = {"no_null": (), "some_null": (1,), "only_null": (0, 1, 2)}


def _table(connection: duckdb.DuckDBPyConnection) -> str:
    """A three-row table with a column per (type, null pattern)."""
    selects = []
    for row in range(3):
        cells = []
        for type_name, (first, second) in VALUES.items():
            for pattern, null_rows in NULL_PATTERNS.items():
                value = "null" if row in null_rows else (first if row != 1 else second)
                cells.append(f"cast({value} as {type_name}) as {type_name}_{pattern}")
        selects.append(f"select {row} as row_number, " + ", ".join(cells))
    connection.execute("create table read_check as " + " union all ".join(selects))
    return "read_check"


@pytest.fixture
def connection() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    yield connection
    connection.close()


def test_every_accepted_type_and_null_pattern_reads_as_the_row_path(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    relation = f"(select * from {_table(connection)} order by row_number)"
    columns = warehouse._duckdb_frame(connection, relation)
    assert columns is not None, "the column read refused a table of accepted types"
    rows = warehouse._row_frame(connection, relation)
    pd.testing.assert_frame_equal(columns, rows, check_exact=True)
    # what the row path makes of them, written out: the rule both paths follow
    assert str(rows["bigint_some_null"].dtype) == "float64"
    assert str(rows["boolean_some_null"].dtype) == "object"
    assert str(rows["date_no_null"].dtype) == "datetime64[ns]"
    assert rows["varchar_some_null"].tolist() == ["a", None, "a"]
    assert rows["double_only_null"].tolist() == [None, None, None]


@pytest.mark.parametrize(
    "select",
    [
        "select cast(1.10 as decimal(5, 2)) as amount",  # Decimal on the row path
        "select 1 as n where false",  # no rows: every column object
    ],
)
def test_what_the_column_read_would_change_goes_the_row_path(
    connection: duckdb.DuckDBPyConnection, select: str
) -> None:
    assert warehouse._duckdb_frame(connection, f"({select})") is None
    pd.testing.assert_frame_equal(
        warehouse.read_frame(connection, f"({select})"),
        warehouse._row_frame(connection, f"({select})"),
        check_exact=True,
    )
