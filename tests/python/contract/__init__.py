"""Property-based contract tests: raw feeds anywhere in the contract's legal space.

- `feed`: the canonical feed (rows with UTC values) and how it is delivered;
- `strategies`: Hypothesis strategies drawing feeds from the contract;
- `writer`: writes a feed as Parquet / CSV files into a raw directory;
- `expected`: an independent computation of the spec's definitions;
- `invariants`: what must hold on the warehouse dbt built from a feed;
- `known_defects`: the open defects, so a test can name the one it meets;
- `regressions`: minimal feeds Hypothesis found, kept as named fixtures;
- `build`: runs dbt on a feed in a workspace of its own.
"""
