"""Arrow conversion and deterministic Parquet / CSV writing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from tenant_kpis.errors import UserError

#: Column kinds per raw table, in contract order. ts = timestamp (epoch seconds, -1 = null).
SCHEMAS: dict[str, list[tuple[str, str]]] = {
    "tenants": [
        ("tenant_id", "str"),
        ("tenant_name", "str"),
        ("industry", "str"),
        ("plan_tier", "str"),
        ("region", "str"),
        ("seats_purchased", "int"),
        ("signed_at", "ts"),
        ("onboarded_at", "ts"),
    ],
    "users": [
        ("user_id", "str"),
        ("tenant_id", "str"),
        ("persona", "str"),
        ("created_at", "ts"),
        ("deactivated_at", "ts"),
        ("email", "str"),
    ],
    "events": [
        ("event_id", "str"),
        ("tenant_id", "str"),
        ("user_id", "str"),
        ("event_name", "str"),
        ("occurred_at", "ts"),
        ("received_at", "ts"),
        ("properties", "str"),
    ],
    "certifications": [
        ("certification_id", "str"),
        ("tenant_id", "str"),
        ("user_id", "str"),
        ("certification_name", "str"),
        ("level", "str"),
        ("issued_at", "ts"),
    ],
    "content": [
        ("content_id", "str"),
        ("course_id", "str"),
        ("title", "str"),
        ("content_type", "str"),
        ("published_at", "ts"),
        ("last_updated_at", "ts"),
        ("retired_at", "ts"),
    ],
    "learning_costs": [
        ("cost_id", "str"),
        ("tenant_id", "str"),
        ("month", "date"),
        ("category", "str"),
        ("amount_usd", "float"),
    ],
    "support_tickets": [
        ("ticket_id", "str"),
        ("tenant_id", "str"),
        ("user_id", "str"),
        ("created_at", "ts"),
        ("tier", "int"),
        ("category", "str"),
        ("resolved_at", "ts"),
    ],
    "subscription_events": [
        ("subscription_event_id", "str"),
        ("tenant_id", "str"),
        ("event_type", "str"),
        ("effective_at", "ts"),
        ("seats_delta", "int"),
        ("mrr_delta_usd", "float"),
    ],
    "experiment_assignments": [
        ("experiment_id", "str"),
        ("tenant_id", "str"),
        ("arm", "str"),
        ("assigned_at", "ts"),
    ],
}
TABLES = tuple(SCHEMAS)


def ts_array(seconds: np.ndarray) -> pa.Array:
    """Epoch seconds (-1 = null) as a naive UTC timestamp[us] array."""
    seconds = np.asarray(seconds, dtype=np.int64)
    return pa.array(seconds * 1_000_000, type=pa.timestamp("us"), mask=seconds < 0)


def column_array(values: object, kind: str) -> pa.Array:
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return values
    values = np.asarray(values)
    if kind == "ts":
        if values.dtype == object:  # already strings (dirty mode)
            return pa.array(values, type=pa.string(), from_pandas=True)
        return ts_array(values)
    if kind == "date":
        return pa.array(values.astype(np.int32), type=pa.date32())
    if kind == "int":
        if values.dtype == object:
            return pa.array(values, type=pa.string(), from_pandas=True)
        return pa.array(values.astype(np.int64), type=pa.int64())
    if kind == "float":
        if values.dtype == object:
            return pa.array(values, type=pa.string(), from_pandas=True)
        return pa.array(values.astype(np.float64), type=pa.float64())
    return pa.array(values, type=pa.string(), from_pandas=True)


def frame_to_arrow(table: str, frame: pd.DataFrame | dict) -> pa.Table:
    columns = {}
    for name, kind in SCHEMAS[table]:
        columns[name] = column_array(frame[name], kind)
    extra = frame.attrs.get("extra_columns", []) if isinstance(frame, pd.DataFrame) else []
    for name in extra:  # unknown extra columns (dirty mode) are written as strings
        columns[name] = pa.array(np.asarray(frame[name]), type=pa.string(), from_pandas=True)
    return pa.table(columns)


def write_table(arrow: pa.Table, path: Path, file_format: str) -> None:
    """Write atomically (temporary file, then rename); an OS error is a `UserError`."""
    try:
        _write(arrow, path, file_format)
    except OSError as error:
        raise UserError(f"cannot write {path}: {error}") from error


def _write(arrow: pa.Table, path: Path, file_format: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    if file_format == "parquet":
        pq.write_table(arrow, tmp, compression="zstd", store_schema=False, row_group_size=1_000_000)
    else:
        plain = pa.table(
            {
                name: csv_column(col)
                for name, col in zip(arrow.column_names, arrow.columns, strict=True)
            }
        )
        pacsv.write_csv(plain, tmp, write_options=pacsv.WriteOptions(quoting_style="needed"))
    tmp.replace(path)


def csv_column(column: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_dictionary(column.type):
        return column.cast(column.type.value_type)
    if pa.types.is_timestamp(column.type):
        return pc.strftime(column.cast(pa.timestamp("s")), format="%Y-%m-%dT%H:%M:%SZ")
    return column
