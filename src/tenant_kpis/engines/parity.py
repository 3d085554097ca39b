"""Compare the public marts of two builds of the same raw feed, row by row.

Rows are matched on each mart's primary key (the columns of its `unique` or
`unique_combination_of_columns` test in the manifest; every public mart has
one, `tenant-kpis check-governance` makes sure). Keys, counts, dates,
timestamps, booleans and text must be equal; floating-point values may
differ by 1e-9 relative (1e-12 absolute near zero): engines sum in different
orders. A mart is identical when it has the same columns, the same keys and
equal values in every row.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tenant_kpis.engines.warehouse import Connection, read_rows

RELATIVE_TOLERANCE = 1e-9
ABSOLUTE_TOLERANCE = 1e-12
SHOWN_DIFFERENCES = 5


@dataclass(frozen=True)
class PublicMart:
    name: str
    key: tuple[str, ...]


@dataclass
class MartComparison:
    name: str
    rows_left: int
    rows_right: int
    problems: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return not self.problems

    def line(self) -> str:
        if self.identical:
            return f"{self.name}: {self.rows_left:,} rows identical"
        return f"{self.name}: DIFFERENT ({self.problems[0]})"


@dataclass
class ParityReport:
    left: str
    right: str
    marts: list[MartComparison]

    @property
    def identical(self) -> int:
        return sum(1 for mart in self.marts if mart.identical)

    def lines(self) -> list[str]:
        out = [mart.line() for mart in self.marts]
        for mart in self.marts:
            if not mart.identical:
                out.append(f"first differences in {mart.name} ({self.left} vs {self.right}):")
                out.extend(f"  {problem}" for problem in mart.problems[1:] or mart.problems)
        out.append(f"{self.identical}/{len(self.marts)} public marts identical")
        return out


def public_marts(manifest_path: Path) -> list[PublicMart]:
    """Every public model of the manifest with the key its uniqueness test declares."""
    manifest: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
    nodes = manifest.get("nodes", {})
    keys: dict[str, tuple[str, ...]] = {}
    for node in nodes.values():
        if node.get("resource_type") != "test":
            continue
        metadata = node.get("test_metadata") or {}
        attached = node.get("attached_node")
        if not attached:
            continue
        kwargs = metadata.get("kwargs") or {}
        if metadata.get("name") == "unique" and kwargs.get("column_name"):
            keys.setdefault(attached, (str(kwargs["column_name"]),))
        elif metadata.get("name") == "unique_combination_of_columns":
            columns = kwargs.get("combination_of_columns") or []
            keys[attached] = tuple(str(column) for column in columns)
    marts = []
    for unique_id, node in nodes.items():
        if node.get("resource_type") != "model":
            continue
        access = node.get("access") or node.get("config", {}).get("access")
        if access != "public":
            continue
        marts.append(PublicMart(name=node["name"], key=keys.get(unique_id, ())))
    return sorted(marts, key=lambda mart: mart.name)


def values_equal(left: Any, right: Any) -> bool:
    """Exact equality of value and type, except floats: 1e-9 relative (NaN equals NaN)."""
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, float) or isinstance(right, float):
        if type(left) is not type(right):
            return False
        if math.isnan(left) or math.isnan(right):
            return math.isnan(left) and math.isnan(right)
        return math.isclose(left, right, rel_tol=RELATIVE_TOLERANCE, abs_tol=ABSOLUTE_TOLERANCE)
    return type(left) is type(right) and left == right


Rows = tuple[list[str], list[tuple[Any, ...]]]


def compare_rows(name: str, key: Sequence[str], left: Rows, right: Rows) -> MartComparison:
    """Match rows on the key; compare every column of every matched row."""
    (columns, left_list), (right_columns, right_list) = left, right
    comparison = MartComparison(name=name, rows_left=len(left_list), rows_right=len(right_list))
    if columns != right_columns:
        comparison.problems.append(f"columns differ: {columns} vs {right_columns}")
        return comparison
    key = list(key) or columns
    positions = [columns.index(column) for column in key]
    left_rows = {tuple(row[i] for i in positions): row for row in left_list}
    right_rows = {tuple(row[i] for i in positions): row for row in right_list}
    if len(left_rows) != len(left_list) or len(right_rows) != len(right_list):
        comparison.problems.append(f"key {key} is not unique")
        return comparison
    only_left = sorted(set(left_rows) - set(right_rows), key=repr)
    only_right = sorted(set(right_rows) - set(left_rows), key=repr)
    differing = []
    for row_key in sorted(set(left_rows) & set(right_rows), key=repr):
        left_row, right_row = left_rows[row_key], right_rows[row_key]
        columns_differing = [
            columns[i] for i in range(len(columns)) if not values_equal(left_row[i], right_row[i])
        ]
        if columns_differing:
            differing.append((row_key, columns_differing, left_row, right_row))
    if not (only_left or only_right or differing):
        return comparison
    comparison.problems.append(
        f"{len(left_list):,} vs {len(right_list):,} rows, {len(only_left)} keys only left, "
        f"{len(only_right)} only right, {len(differing)} rows with different values"
    )
    for row_key in only_left[:SHOWN_DIFFERENCES]:
        comparison.problems.append(f"only left:  {dict(zip(key, row_key, strict=True))}")
    for row_key in only_right[:SHOWN_DIFFERENCES]:
        comparison.problems.append(f"only right: {dict(zip(key, row_key, strict=True))}")
    for row_key, differing_columns, left_row, right_row in differing[:SHOWN_DIFFERENCES]:
        values = ", ".join(
            f"{column}: {left_row[columns.index(column)]!r} vs {right_row[columns.index(column)]!r}"
            for column in differing_columns
        )
        comparison.problems.append(f"{dict(zip(key, row_key, strict=True))}: {values}")
    return comparison


def compare_builds(
    marts: Sequence[PublicMart],
    left: tuple[str, Connection, dict[str, str]],
    right: tuple[str, Connection, dict[str, str]],
) -> ParityReport:
    """Compare each mart of `left` (label, connection, relation by name) with `right`'s."""
    left_label, left_connection, left_relations = left
    right_label, right_connection, right_relations = right
    comparisons = []
    for mart in marts:
        left_rows = read_rows(left_connection, left_relations[mart.name])
        right_rows = read_rows(right_connection, right_relations[mart.name])
        comparisons.append(compare_rows(mart.name, mart.key, left_rows, right_rows))
    return ParityReport(left=left_label, right=right_label, marts=comparisons)
