"""The Python steps' DuckDB writes hold the values every other engine writes.

PostgreSQL and Spark write a step's frame row by row through
`warehouse._rows` (one plain Python value per cell, `_python_value`); DuckDB
converts whole columns to Arrow. Both must give the same values for every
declared type, including the missing values pandas spells four ways (None,
NaN, pd.NA, NaT), nanosecond timestamps (truncated to microseconds) and
time-zone-aware timestamps.
"""

from __future__ import annotations

import math
from datetime import date, datetime

import duckdb
import pandas as pd
import pytest

from tenant_kpis.engines import warehouse

# the row path's Timestamp.to_pydatetime() warns as it truncates nanoseconds
pytestmark = pytest.mark.filterwarnings("ignore:Discarding nonzero nanoseconds")

TABLE = warehouse.OutputTable(
    name="step_output_check",
    columns=(
        ("label", "text"),
        ("share", "double"),
        ("count_value", "bigint"),
        ("flag", "boolean"),
        ("day", "date"),
        ("moment", "timestamp"),
    ),
)


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "label": pd.array(["a", None, "c", pd.NA, "e"], dtype="string"),
            "share": [0.1, math.nan, None, 1e-300, -2.5],
            "count_value": pd.array([1, pd.NA, 3, 2**40, -7], dtype="Int64"),
            "flag": pd.array([True, pd.NA, False, True, False], dtype="boolean"),
            "day": pd.to_datetime(
                ["2026-01-05", None, "2026-02-28 13:45", "1999-12-31", None], format="ISO8601"
            ),
            "moment": pd.to_datetime(
                [
                    "2026-01-05 10:00:00.123456789",
                    None,
                    "2026-03-01 00:00:00",
                    "2026-03-01 23:59:59.999999999",
                    "1970-01-01",
                ],
                format="ISO8601",
            ),
        },
        index=[10, 11, 12, 13, 14],  # a filtered frame keeps its index
    )


def _row_by_row(frame: pd.DataFrame) -> list[dict[str, object]]:
    names = [name for name, _ in TABLE.columns]
    return [dict(zip(names, row, strict=True)) for row in warehouse._rows(frame, TABLE)]


def _columnar(frame: pd.DataFrame) -> list[dict[str, object]]:
    return warehouse._arrow_table(frame, TABLE).to_pylist()


def test_columnar_values_equal_row_by_row_values() -> None:
    frame = _frame()
    assert _columnar(frame) == _row_by_row(frame)


def test_object_and_float_columns_convert_like_the_row_path() -> None:
    frame = pd.DataFrame(
        {
            "label": ["x", 5, None, math.nan],  # object: str() of a non-string
            "share": pd.array([1, None, 2, 3], dtype="Int64"),
            "count_value": [2.0, math.nan, 7.9, -1.0],  # float: int() truncates
            "flag": [True, None, False, 1],
            "day": [date(2026, 1, 1), None, date(2026, 1, 3), pd.NaT],
            "moment": [datetime(2026, 1, 1, 12), None, pd.NaT, datetime(2026, 1, 4)],
        }
    )
    assert _columnar(frame) == _row_by_row(frame)


def test_time_zone_aware_timestamps_are_written_in_utc() -> None:
    frame = _frame().iloc[:1].copy()
    frame["moment"] = pd.to_datetime(["2026-01-05 10:00:00+02:00"])
    assert _columnar(frame)[0]["moment"] == datetime(2026, 1, 5, 8, 0)


def test_an_empty_or_all_missing_frame_writes_nulls() -> None:
    empty = _frame().iloc[:0]
    assert _columnar(empty) == []
    missing = pd.DataFrame({name: [None, None] for name, _ in TABLE.columns})
    assert _columnar(missing) == _row_by_row(missing)


def test_replace_tables_writes_the_frame_to_duckdb() -> None:
    connection = duckdb.connect()
    frame = _frame()
    counts = warehouse.replace_tables(connection, "duckdb", "python_steps", [(TABLE, frame)])
    assert counts == {TABLE.name: len(frame)}
    rows = connection.execute(
        f"select * from python_steps.{TABLE.name} order by moment nulls last, label"
    ).fetchall()
    expected = sorted(
        (tuple(row.values()) for row in _row_by_row(frame)),
        key=lambda row: (row[5] is None, row[5] or datetime.min, row[0] or ""),
    )
    assert rows == expected


def test_a_missing_column_is_named() -> None:
    with pytest.raises(ValueError, match="lacks columns \\['moment'\\]"):
        warehouse._arrow_table(_frame().drop(columns="moment"), TABLE)


def test_a_non_numeric_double_is_refused() -> None:
    frame = _frame()
    frame["share"] = ["0.5", "not a number", None, "1", "2"]
    with pytest.raises(ValueError):
        warehouse._arrow_table(frame, TABLE)
    with pytest.raises(ValueError):
        warehouse._rows(frame, TABLE)


GROUPED = warehouse.OutputTable(
    name="grouped_output",
    columns=(("outcome", "text"), ("day", "date"), ("value", "double")),
)


def _grouped(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["outcome", "day", "value"])
    frame["day"] = pd.to_datetime(frame["day"])
    return frame


def test_replace_tables_keeps_the_retained_groups_only() -> None:
    connection = duckdb.connect()
    stored = _grouped(
        [
            ("renewal", "2026-01-05", 1.0),
            ("renewal", "2026-01-05", 2.0),
            ("renewal", "2026-01-12", 3.0),
            ("expansion", "2026-01-05", 4.0),
        ]
    )
    warehouse.replace_tables(connection, "duckdb", "python_steps", [(GROUPED, stored)])
    # renewal 2026-01-05 is kept; renewal 2026-01-12 is recomputed; expansion
    # 2026-01-05 is in no retained group (a date that left the population): gone
    recomputed = _grouped([("renewal", "2026-01-12", 30.0), ("renewal", "2026-01-19", 5.0)])
    retained = pd.DataFrame({"outcome": ["renewal"], "day": pd.to_datetime(["2026-01-05"])})
    counts = warehouse.replace_tables(
        connection, "duckdb", "python_steps", [(GROUPED, recomputed)], {GROUPED.name: retained}
    )
    assert counts == {GROUPED.name: 4}
    rows = connection.execute(
        f"select outcome, cast(day as varchar), value from python_steps.{GROUPED.name} "
        "order by day, value"
    ).fetchall()
    assert rows == [
        ("renewal", "2026-01-05", 1.0),
        ("renewal", "2026-01-05", 2.0),
        ("renewal", "2026-01-12", 30.0),
        ("renewal", "2026-01-19", 5.0),
    ]
    # no group retained: every stored row goes
    warehouse.replace_tables(
        connection, "duckdb", "python_steps", [(GROUPED, recomputed)], {GROUPED.name: retained[:0]}
    )
    (count,) = connection.execute(f"select count(*) from python_steps.{GROUPED.name}").fetchone()
    assert count == len(recomputed)


def test_a_retained_key_outside_the_declared_columns_is_refused() -> None:
    connection = duckdb.connect()
    warehouse.replace_tables(connection, "duckdb", "python_steps", [(GROUPED, _grouped([]))])
    with pytest.raises(ValueError, match="retained keys of grouped_output"):
        warehouse.replace_tables(
            connection,
            "duckdb",
            "python_steps",
            [(GROUPED, _grouped([]))],
            {GROUPED.name: pd.DataFrame({"label": ["x"]})},
        )
