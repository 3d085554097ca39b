"""Warehouse engines other than the embedded DuckDB file (issue 11: PostgreSQL).

- `profile`: the dbt target of this shell, read from profiles.yml;
- `raw_load`: `tenant-kpis load`, the nine raw files into a warehouse's `raw` schema;
- `local_postgres`: a throwaway PostgreSQL server for tests and benchmarks;
- `parity`: compare the public marts of two builds row by row.
"""
