"""Write a `Feed` into a raw directory, one file per table, as its `Delivery` says."""

from __future__ import annotations

import csv
import datetime
import decimal
import shutil
from collections import defaultdict
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from contract.feed import (
    COLUMNS,
    DECIMAL_COLUMNS,
    INTEGER_COLUMNS,
    RAW_TABLES,
    REQUIRED,
    TIMESTAMP_COLUMNS,
    Feed,
    TableDelivery,
    row_values,
)

UTC = datetime.UTC
EXTRA_COLUMNS = {"sdk_version": "v2.7.1", "crm_note": 'said "hi", then left'}


def format_timestamp(value: datetime.datetime, style: str) -> str:
    """An ISO-8601 text for a UTC instant, in one of the contract's styles."""
    base = value.replace(microsecond=0)
    if style == "z":
        return base.isoformat() + "Z"
    if style == "naive":
        return base.isoformat()
    if style == "utc0":
        return base.isoformat() + "+00:00"
    if style == "fraction":
        return f"{base.isoformat()}.{value.microsecond // 1000:03d}Z"
    if style == "space":
        return base.isoformat(sep=" ")
    if style == "date":  # a date alone means its midnight; other instants keep their time
        return base.date().isoformat() if base.time() == datetime.time() else base.isoformat()
    sign = 1 if style[0] == "+" else -1
    hours, minutes = (int(part) for part in style[1:].split(":"))
    local = base + sign * datetime.timedelta(hours=hours, minutes=minutes)
    return local.isoformat() + style


def format_number(value: object) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def _text(column: str, value: object, row_number: int, delivery: TableDelivery) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        style = delivery.string_styles[row_number % len(delivery.string_styles)]
        return format_timestamp(value, style)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return format_number(value)
    return str(value)


def _columns(table: str, records: list[dict[str, object]], delivery: TableDelivery) -> list[str]:
    columns = list(COLUMNS[table])
    if delivery.drop_optional:
        columns = [
            column
            for column in columns
            if column in REQUIRED[table] or any(record[column] is not None for record in records)
        ]
    if delivery.shuffle_columns:
        columns.reverse()
    if delivery.extra_columns:
        columns.extend(EXTRA_COLUMNS)
    return columns


def _arrow_array(column: str, values: list[object], delivery: TableDelivery) -> pa.Array:
    if column in EXTRA_COLUMNS:
        return pa.array(values, type=pa.string())
    if column in TIMESTAMP_COLUMNS and delivery.timestamp_type != "string":
        zone = None if delivery.timestamp_type == "naive" else delivery.timestamp_type
        instants = [
            None if value is None else value.replace(tzinfo=UTC) if zone else value
            for value in values
        ]
        return pa.array(instants, type=pa.timestamp(delivery.timestamp_unit, tz=zone))
    if column == "month" and delivery.timestamp_type != "string":
        return pa.array(values, type=pa.date32())
    if column in INTEGER_COLUMNS and delivery.number_type != "string":
        fits_int32 = all(value is None or abs(int(value)) < 2**31 for value in values)
        narrow = delivery.number_type == "narrow" and fits_int32
        return pa.array(values, type=pa.int32() if narrow else pa.int64())
    if column in DECIMAL_COLUMNS and delivery.number_type == "narrow":
        cents = [None if value is None else decimal.Decimal(repr(value)) for value in values]
        return pa.array(cents, type=pa.decimal128(18, 2))
    if column in DECIMAL_COLUMNS and delivery.number_type == "native":
        return pa.array(values, type=pa.float64())
    texts = [_text(column, value, number, delivery) for number, value in enumerate(values)]
    return pa.array(texts, type=pa.string())


def _records(feed: Feed, table: str) -> list[dict[str, object]]:
    records = []
    for row in feed.rows(table):
        record = row_values(row)
        record.update(EXTRA_COLUMNS)
        records.append(record)
    return records


def write_parquet(
    path: Path, table: str, records: list[dict[str, object]], delivery: TableDelivery
):
    columns = _columns(table, records, delivery)
    arrays = [
        _arrow_array(column, [record[column] for record in records], delivery) for column in columns
    ]
    pq.write_table(pa.Table.from_arrays(arrays, names=columns), path)


def write_csv(path: Path, table: str, records: list[dict[str, object]], delivery: TableDelivery):
    columns = _columns(table, records, delivery)
    quoting = csv.QUOTE_ALL if delivery.quote_all else csv.QUOTE_MINIMAL
    encoding = "utf-8-sig" if delivery.byte_order_mark else "utf-8"
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, lineterminator=delivery.line_terminator, quoting=quoting)
        writer.writerow(columns)
        for number, record in enumerate(records):
            writer.writerow(
                [_text(column, record[column], number, delivery) or "" for column in columns]
            )


def write_feed(feed: Feed, raw_dir: Path) -> None:
    """Replace the contents of raw_dir with the feed's nine tables."""
    if raw_dir.exists():
        shutil.rmtree(raw_dir)
    raw_dir.mkdir(parents=True)
    for table in RAW_TABLES:
        delivery = feed.delivery.of(table)
        records = _records(feed, table)
        if table == "events" and feed.delivery.events_partitioned:
            write_partitioned_events(raw_dir / "events", records, delivery)
        elif delivery.file_format == "csv":
            write_csv(raw_dir / f"{table}.csv", table, records, delivery)
        else:
            write_parquet(raw_dir / f"{table}.parquet", table, records, delivery)


def write_partitioned_events(
    directory: Path, records: list[dict[str, object]], delivery: TableDelivery
) -> None:
    """events/load_date=YYYY-MM-DD/part-0.parquet, by the UTC date of received_at."""
    by_load_date: dict[datetime.date, list[dict[str, object]]] = defaultdict(list)
    for record in records:
        received_at = record["received_at"]
        assert isinstance(received_at, datetime.datetime)
        by_load_date[received_at.date()].append(record)
    for load_date, partition in sorted(by_load_date.items()):
        partition_dir = directory / f"load_date={load_date.isoformat()}"
        partition_dir.mkdir(parents=True)
        write_parquet(partition_dir / "part-0.parquet", "events", partition, delivery)
