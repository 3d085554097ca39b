"""The same raw data gives the same marts, to the last bit.

DuckDB aggregates in parallel, so a sum of doubles can differ in its last
bits from one run to the next; the models sum and average in exact decimals
where that matters. This test builds the shared dataset's raw files a second
time into a fresh warehouse, with DuckDB on one thread so that rows reach the
aggregates in a different order than in the two-thread shared build, and
compares every public mart row for row with the shared build (`except all`
both ways, so duplicates count too).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from dbt_project import BIN, BuiltProject, dbt_env, run_command


def test_second_build_of_the_same_data_gives_identical_marts(
    shared_build: BuiltProject, tmp_path: Path
) -> None:
    second_db = tmp_path / "tenant_kpis.duckdb"
    env = dbt_env(shared_build.raw_dir, second_db, tmp_path / "target")
    env["TENANT_KPIS_DUCKDB_THREADS"] = "1"
    run_command(
        [str(BIN / "tenant-kpis"), "build", "--exclude-resource-type", "test", "unit_test"],
        env,
    )

    with duckdb.connect() as connection:
        connection.execute(f"attach '{shared_build.database}' as first_build (read_only)")
        connection.execute(f"attach '{second_db}' as second_build (read_only)")
        marts = [
            name
            for (name,) in connection.execute(
                "select table_name from duckdb_tables() "
                "where database_name = 'first_build' and schema_name = 'main'"
            ).fetchall()
        ]
        assert len(marts) >= 20
        different = {}
        for mart in marts:
            for left, right in (("first_build", "second_build"), ("second_build", "first_build")):
                rows = connection.execute(
                    f"select count(*) from (select * from {left}.main.{mart} "
                    f"except all select * from {right}.main.{mart})"
                ).fetchone()[0]
                if rows:
                    different[mart] = rows
    assert different == {}
