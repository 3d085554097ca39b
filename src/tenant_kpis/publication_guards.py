"""Anomaly guards: refuse a publication whose row accounting moved too far.

A feed that is legal to read but wrong in bulk (a CSV whose quoting the
reader mis-detects, timestamps delivered as epoch integers) quarantines most
of a table, and by cascade every row that refers to it. Every dbt test
passes: the rows are accounted for, just not staged. These guards compare
the build's row accounting (`dq_row_accounting`, summed over load dates)
with absolute thresholds and with the previous publication's, and refuse to
replace a good publication with a hollow one.

Thresholds are the seed `publication_thresholds` (one row per threshold and
raw table; `all` is the default for every table). The guards take plain
numbers, so every publication backend reads them its own way and calls
`find_anomalies`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tenant_kpis.errors import PublishRefused

ALL_TABLES = "all"
QUARANTINE_SHARE_MAX = "quarantine_share_max"
QUARANTINE_SHARE_INCREASE_MAX = "quarantine_share_increase_max"
STAGED_ROWS_DECREASE_MAX = "staged_rows_decrease_max"
STAGED_ROWS_INCREASE_MAX = "staged_rows_increase_max"
RELATIVE_GUARDS_MIN_ROWS = "relative_guards_min_rows"
THRESHOLDS_SEED = "publication_thresholds"
THRESHOLD_NAMES = (
    QUARANTINE_SHARE_MAX,
    QUARANTINE_SHARE_INCREASE_MAX,
    STAGED_ROWS_DECREASE_MAX,
    STAGED_ROWS_INCREASE_MAX,
    RELATIVE_GUARDS_MIN_ROWS,
)


def row_accounting_query(relation: str) -> str:
    """Per raw table totals over load dates (relation already quoted); portable SQL."""
    return (
        "select raw_table, sum(rows_raw) as rows_raw, sum(rows_staged) as rows_staged, "
        "sum(rows_quarantined) as rows_quarantined, sum(rows_duplicate) as rows_duplicate "
        f"from {relation} group by raw_table"
    )


def thresholds_query(relation: str) -> str:
    return f"select threshold_name, raw_table, threshold_value from {relation}"


@dataclass(frozen=True)
class TableVolume:
    """Where one raw table's rows went in one build."""

    raw_table: str
    rows_raw: int
    rows_staged: int
    rows_quarantined: int
    rows_duplicate: int

    @property
    def rows_distinct(self) -> int:
        """Rows once repeated deliveries are removed: staged + quarantined."""
        return self.rows_staged + self.rows_quarantined

    @property
    def quarantine_share(self) -> float | None:
        """Quarantined share of the distinct rows; None for an empty table.

        Distinct rows, not deliveries: a feed sent twice must not halve the share.
        """
        return self.rows_quarantined / self.rows_distinct if self.rows_distinct else None


@dataclass(frozen=True)
class Thresholds:
    """Threshold values by (name, raw table), with `all` as every table's default."""

    values: Mapping[tuple[str, str], float]

    def get(self, name: str, raw_table: str) -> float | None:
        if (name, raw_table) in self.values:
            return self.values[(name, raw_table)]
        return self.values.get((name, ALL_TABLES))


@dataclass(frozen=True)
class Anomaly:
    """One guard a build breaks: the figure against its threshold."""

    guard: str
    raw_table: str
    text: str

    def __str__(self) -> str:
        return f"{self.raw_table}: {self.text}"


def volumes_from_rows(rows: Iterable[Mapping[str, Any]]) -> dict[str, TableVolume]:
    return {
        str(row["raw_table"]): TableVolume(
            raw_table=str(row["raw_table"]),
            rows_raw=int(row["rows_raw"] or 0),
            rows_staged=int(row["rows_staged"] or 0),
            rows_quarantined=int(row["rows_quarantined"] or 0),
            rows_duplicate=int(row["rows_duplicate"] or 0),
        )
        for row in rows
    }


def thresholds_from_rows(rows: Iterable[Mapping[str, Any]]) -> Thresholds:
    return Thresholds(
        {
            (str(row["threshold_name"]), str(row["raw_table"])): float(row["threshold_value"])
            for row in rows
        }
    )


def _pct(share: float) -> str:
    return f"{share * 100:.1f}%"


def _quarantine_share(volume: TableVolume, thresholds: Thresholds) -> Anomaly | None:
    limit = thresholds.get(QUARANTINE_SHARE_MAX, volume.raw_table)
    share = volume.quarantine_share
    if limit is None or share is None or share <= limit:
        return None
    return Anomaly(
        QUARANTINE_SHARE_MAX,
        volume.raw_table,
        f"{_pct(share)} of rows quarantined ({volume.rows_quarantined:,} of "
        f"{volume.rows_distinct:,}; threshold {_pct(limit)})",
    )


def _against_previous(
    current: TableVolume, previous: TableVolume, thresholds: Thresholds
) -> list[Anomaly]:
    table = current.raw_table
    min_rows = thresholds.get(RELATIVE_GUARDS_MIN_ROWS, table) or 0
    if previous.rows_distinct < max(min_rows, 1):
        return []
    found = []
    share_rise_limit = thresholds.get(QUARANTINE_SHARE_INCREASE_MAX, table)
    before, after = previous.quarantine_share or 0.0, current.quarantine_share
    if share_rise_limit is not None and after is not None and after - before > share_rise_limit:
        found.append(
            Anomaly(
                QUARANTINE_SHARE_INCREASE_MAX,
                table,
                f"quarantined share rose from {_pct(before)} to {_pct(after)}, "
                f"+{(after - before) * 100:.1f} points (threshold +{share_rise_limit * 100:.1f} "
                "points)",
            )
        )
    if previous.rows_staged == 0:
        return found
    change = (current.rows_staged - previous.rows_staged) / previous.rows_staged
    staged = f"staged rows {previous.rows_staged:,} -> {current.rows_staged:,}"
    fall_limit = thresholds.get(STAGED_ROWS_DECREASE_MAX, table)
    if fall_limit is not None and -change > fall_limit:
        found.append(
            Anomaly(
                STAGED_ROWS_DECREASE_MAX,
                table,
                f"{staged} ({change * 100:+.1f}%; threshold -{_pct(fall_limit)})",
            )
        )
    rise_limit = thresholds.get(STAGED_ROWS_INCREASE_MAX, table)
    if rise_limit is not None and change > rise_limit:
        found.append(
            Anomaly(
                STAGED_ROWS_INCREASE_MAX,
                table,
                f"{staged} ({change * 100:+.1f}%; threshold +{_pct(rise_limit)})",
            )
        )
    return found


def find_anomalies(
    current: Mapping[str, TableVolume],
    previous: Mapping[str, TableVolume] | None,
    thresholds: Thresholds,
) -> list[Anomaly]:
    """Every guard the build breaks, in raw-table order.

    The absolute guard (quarantine share) applies to every publication; the
    guards against the previous publication apply when there is one. A table
    the previous publication had and this build lacks counts as empty.
    """
    anomalies: list[Anomaly] = []
    tables = sorted(set(current) | set(previous or {}))
    for table in tables:
        volume = current.get(table) or TableVolume(table, 0, 0, 0, 0)
        absolute = _quarantine_share(volume, thresholds)
        if absolute:
            anomalies.append(absolute)
        if previous is not None and table in previous:
            relative = _against_previous(volume, previous[table], thresholds)
            # a share already over the absolute limit needs no second line
            anomalies.extend(
                item
                for item in relative
                if not (absolute and item.guard == QUARANTINE_SHARE_INCREASE_MAX)
            )
    return anomalies


def check_anomalies(
    current: Mapping[str, TableVolume],
    previous: Mapping[str, TableVolume] | None,
    thresholds: Thresholds,
    *,
    previous_invocation: str | None,
    accept_anomalies: bool,
) -> list[Anomaly]:
    """The anomalies to record as overridden, or PublishRefused naming each one."""
    anomalies = find_anomalies(current, previous, thresholds)
    if anomalies and not accept_anomalies:
        against = (
            f"the previous publication (invocation {previous_invocation})"
            if previous is not None
            else "a first publication"
        )
        raise PublishRefused(
            f"the build's row accounting breaks the publication thresholds (seed "
            f"{THRESHOLDS_SEED}; compared with {against}): "
            + "; ".join(str(anomaly) for anomaly in anomalies)
            + ". The previous publication is kept. Check the raw files and "
            "dq_quarantine_summary, or publish anyway with "
            "`tenant-kpis publish --accept-anomalies`."
        )
    return anomalies
