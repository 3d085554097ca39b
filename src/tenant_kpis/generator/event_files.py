"""Writing the events, chunk by chunk: one file, or one Parquet file per load date.

The bytes written do not depend on the chunk size (`--chunk-events`):
- rows keep the generation order (tenant by tenant; in dirty mode each tenant's
  clean rows, then the rows injected for it) and every file is cut into row
  groups of exactly ROW_GROUP_ROWS rows (the last one shorter), each written from
  one contiguous table;
- the partitioned layout spills each chunk to a scratch file, sorted stably by
  load date (the UTC date of received_at: the day the event was delivered), then
  writes each load date's rows, clean rows then injected rows, each in generation
  order, as `events/load_date=YYYY-MM-DD/part-00000.parquet`. Memory holds one
  chunk while generating and one load date while writing, never all events.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from tenant_kpis.errors import UserError
from tenant_kpis.generator.config import DAY, GeneratorConfig
from tenant_kpis.generator.dirty import DIRTY_EVENT_SCHEMA, iso_strings_in
from tenant_kpis.generator.events import (
    EVENT_NAMES,
    FIELDS,
    IMPORT_PROPERTY,
    EventBatch,
    PropertyVocab,
    concat,
)
from tenant_kpis.generator.stream import TenantDelivery
from tenant_kpis.generator.tenants import Population
from tenant_kpis.generator.writer import csv_column

#: Rows per Parquet row group (and per CSV write) of an events file.
ROW_GROUP_ROWS = 1_000_000
PARTITIONS_DIR = "events"
PARTITION_FILE = "part-00000.parquet"
CLEAN_EVENT_SCHEMA = pa.schema(
    [
        ("event_id", pa.string()),
        ("tenant_id", pa.string()),
        ("user_id", pa.string()),
        ("event_name", pa.string()),
        ("occurred_at", pa.timestamp("us")),
        ("received_at", pa.timestamp("us")),
        ("properties", pa.string()),
    ]
)
#: Columns with few distinct values: the only ones worth Parquet dictionary encoding.
DICTIONARY_COLUMNS = ["tenant_id", "user_id", "event_name", "properties"]
#: A chunk's spilled rows, packed: the compact columns, the event_id number and the
#: offset style of received_at (dirty mode).
SPILL_DTYPE = np.dtype(
    [
        ("seq", "<i8"),
        ("user_idx", "<i4"),
        ("name_code", "i1"),
        ("occurred_at", "<i8"),
        ("received_at", "<i8"),
        ("prop_code", "<i4"),
        ("import_rows", "<i4"),
        ("import_errors", "<i4"),
        ("offset_style", "i1"),
    ]
)


#: Five-digit groups and the 13-byte layout of an event_id (`ev_` and 10 digits).
_DIGITS5 = np.array([f"{i:05d}".encode() for i in range(100_000)], dtype="S5")
_EVENT_ID = np.dtype([("prefix", "S3"), ("high", "S5"), ("low", "S5")])


def event_ids(seq: np.ndarray) -> pa.Array:
    """`ev_` and the number, zero-padded to 10 digits: fixed-width strings built in
    numpy from two five-digit lookups (the costliest column to convert otherwise)."""
    seq = np.asarray(seq, dtype=np.int64)
    n = len(seq)
    if n and (seq.min() < 0 or seq.max() >= 10**10):
        raise ValueError("event numbers must have at most 10 digits")
    rows = np.empty(n, dtype=_EVENT_ID)
    rows["prefix"] = b"ev_"
    rows["high"] = _DIGITS5[seq // 100_000]
    rows["low"] = _DIGITS5[seq % 100_000]
    offsets = np.arange(0, _EVENT_ID.itemsize * n + 1, _EVENT_ID.itemsize, dtype=np.int64)
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(rows)).cast(
        pa.string()
    )


class EventConverter:
    """Compact events to Arrow tables of the contract's columns."""

    def __init__(self, pop: Population, vocab: PropertyVocab, dirty: bool) -> None:
        self.dirty = dirty
        self.schema = DIRTY_EVENT_SCHEMA if dirty else CLEAN_EVENT_SCHEMA
        self.user_tenant = pop.users["tenant_idx"].to_numpy().astype(np.int32)
        self.tenant_ids = pa.array(pop.tenants["tenant_id"].to_numpy(), type=pa.string())
        self.user_ids = pa.array(pop.users["user_id"].to_numpy(), type=pa.string())
        self.names = pa.array(list(EVENT_NAMES), type=pa.string())
        self.properties = pa.array(vocab.strings, type=pa.string())

    def plain(self, events: EventBatch, seq: np.ndarray) -> pa.Table:
        """The rows with received_at as a timestamp (clean mode's table)."""
        # Data imports' properties are their own strings: appended to the vocabulary
        # for this table only, so one `take` builds the column.
        codes = events.prop_code
        dictionary = self.properties
        imports = np.flatnonzero(codes == IMPORT_PROPERTY)
        if len(imports):
            codes = codes.copy()
            codes[imports] = len(self.properties) + np.arange(len(imports), dtype=np.int32)
            texts = pc.binary_join_element_wise(
                pa.scalar('{"rows": '),
                pc.cast(pa.array(events.import_rows[imports]), pa.string()),
                pa.scalar(', "errors": '),
                pc.cast(pa.array(events.import_errors[imports]), pa.string()),
                pa.scalar("}"),
                pa.scalar(""),
            )
            dictionary = pa.concat_arrays([self.properties, texts])
        properties = dictionary.take(pa.array(codes))
        return pa.table(
            {
                "event_id": event_ids(seq),
                "tenant_id": self.tenant_ids.take(pa.array(self.user_tenant[events.user_idx])),
                "user_id": self.user_ids.take(pa.array(events.user_idx)),
                "event_name": self.names.take(pa.array(events.name_code)),
                "occurred_at": pa.array(events.occurred_at * 1_000_000, type=pa.timestamp("us")),
                "received_at": pa.array(events.received_at * 1_000_000, type=pa.timestamp("us")),
                "properties": properties,
            }
        )

    def table(
        self, events: EventBatch, seq: np.ndarray, offset_styles: np.ndarray | None
    ) -> pa.Table:
        """The rows as written: in dirty mode, received_at as ISO strings with offsets."""
        table = self.plain(events, seq)
        if not self.dirty:
            return table
        received = iso_strings_in(events.received_at, offset_styles)
        return table.set_column(5, "received_at", received).cast(self.schema)


class TableFileWriter:
    """One output file, written in row groups of exactly `row_group_rows` rows."""

    def __init__(
        self,
        path: Path,
        file_format: str,
        schema: pa.Schema,
        row_group_rows: int | None = None,
        atomic: bool = True,
    ) -> None:
        self.path = path
        # Atomic: written beside, renamed into place when complete.
        self.tmp = path.with_name(path.name + ".tmp") if atomic else path
        self.file_format = file_format
        self.schema = schema
        self.row_group_rows = row_group_rows or ROW_GROUP_ROWS
        self.rows = 0
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self._handle: BinaryIO | None = None
        self._writer: pq.ParquetWriter | pacsv.CSVWriter | None = None

    def write(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        self._pending.append(table)
        self._pending_rows += table.num_rows
        while self._pending_rows >= self.row_group_rows:
            self._emit(self.row_group_rows)

    def close(self, keep_empty: bool = True) -> int:
        """Finish the file (an empty one only if `keep_empty`); return its rows."""
        if self._pending_rows:
            self._emit(self._pending_rows)
        if self._writer is None:
            if not keep_empty:
                return 0
            self._open()
        assert self._writer is not None and self._handle is not None
        self._writer.close()
        self._handle.close()
        if self.tmp != self.path:
            self.tmp.replace(self.path)
        return self.rows

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.close()
        if self._handle is not None:
            self._handle.close()
        self.tmp.unlink(missing_ok=True)

    def _emit(self, n: int) -> None:
        table = pa.concat_tables(self._pending) if len(self._pending) > 1 else self._pending[0]
        group, rest = table.slice(0, n).combine_chunks(), table.slice(n)
        self._pending = [rest] if rest.num_rows else []
        self._pending_rows = rest.num_rows
        writer = self._writer or self._open()
        if isinstance(writer, pq.ParquetWriter):
            writer.write_table(group, row_group_size=n)
        else:
            writer.write_table(_csv_table(group))
        self.rows += n

    def _open(self) -> pq.ParquetWriter | pacsv.CSVWriter:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.tmp.open("wb")
            if self.file_format == "parquet":
                self._writer = pq.ParquetWriter(
                    self._handle,
                    self.schema,
                    compression="zstd",
                    store_schema=False,
                    use_dictionary=DICTIONARY_COLUMNS,
                )
            else:
                self._writer = pacsv.CSVWriter(
                    self._handle,
                    _csv_table(self.schema.empty_table()).schema,
                    write_options=pacsv.WriteOptions(quoting_style="needed"),
                )
        except OSError as error:
            raise UserError(f"cannot write {self.path}: {error}") from error
        return self._writer


def _csv_table(table: pa.Table) -> pa.Table:
    return pa.table(
        {name: csv_column(col) for name, col in zip(table.column_names, table.columns, strict=True)}
    )


class Background:
    """Runs jobs in order on one worker thread, at most one at a time: the next chunk is
    generated while the last one is converted and written (Arrow and Parquet release
    the interpreter lock). Each file is still written by one thread, in order."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="events-writer")
        self._last: Future[None] | None = None

    def submit(self, job: Callable[[], None]) -> None:
        self.wait()
        self._last = self._pool.submit(job)

    def wait(self) -> None:
        last, self._last = self._last, None
        if last is not None:
            last.result()

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class EventSink:
    """Takes the tenants' deliveries in order; `close()` finishes the files."""

    def __init__(self, config: GeneratorConfig, out_dir: Path, converter: EventConverter) -> None:
        self.config = config
        self.out_dir = out_dir
        self.converter = converter
        self.cutoff_day = (
            config.end_epoch_day - config.holdback_days if config.holdback_days > 0 else None
        )
        self.background = Background()
        self._pending: list[TenantDelivery] = []
        self._pending_rows = 0

    def add(self, delivery: TenantDelivery) -> None:
        self._pending.append(delivery)
        self._pending_rows += len(delivery.events)
        if delivery.dirty is not None:
            self._pending_rows += delivery.dirty.rows.num_rows
        if self._pending_rows >= self.config.chunk_events:
            self._flush()

    def _flush(self) -> None:
        pending, self._pending, self._pending_rows = self._pending, [], 0
        if pending:
            self.background.submit(lambda: self._write_chunk(pending))

    def _write_chunk(self, pending: list[TenantDelivery]) -> None:
        raise NotImplementedError

    def close(self) -> tuple[int, int]:
        """Rows written to the delivered events and to the held-back events."""
        self._flush()
        self.background.wait()
        self.background.shutdown()
        return self._finish()

    def _finish(self) -> tuple[int, int]:
        raise NotImplementedError

    def abort(self) -> None:
        self.background.shutdown()
        self._discard()

    def _discard(self) -> None:
        raise NotImplementedError


class SingleFileSink(EventSink):
    """`events.<format>`, and `_holdback/events.<format>` for the held-back days."""

    def __init__(
        self, config: GeneratorConfig, out_dir: Path, converter: EventConverter, holdback: Path
    ) -> None:
        super().__init__(config, out_dir, converter)
        ext = config.file_format
        self.main = TableFileWriter(out_dir / f"events.{ext}", ext, converter.schema)
        self.held = TableFileWriter(holdback / f"events.{ext}", ext, converter.schema)

    def _write_chunk(self, pending: list[TenantDelivery]) -> None:
        if not self.converter.dirty:
            events = concat([d.events for d in pending])
            seq = np.concatenate([d.seq for d in pending])
            self._write(self.converter.table(events, seq, None), events.received_at)
            return
        for delivery in pending:
            assert delivery.dirty is not None
            styles = delivery.dirty.offset_styles
            table = self.converter.table(delivery.events, delivery.seq, styles)
            self._write(table, delivery.events.received_at)
            self._write(delivery.dirty.rows, delivery.dirty.received)

    def _write(self, table: pa.Table, received: np.ndarray) -> None:
        if self.cutoff_day is None:
            self.main.write(table)
            return
        later = received >= self.cutoff_day * DAY
        if not later.any():
            self.main.write(table)
            return
        mask = pa.array(later)
        self.main.write(table.filter(pc.invert(mask)))
        self.held.write(table.filter(mask))

    def _finish(self) -> tuple[int, int]:
        return self.main.close(), self.held.close(keep_empty=False)

    def _discard(self) -> None:
        self.main.abort()
        self.held.abort()


#: Load dates converted together while writing partitions (about this many rows).
MERGE_GROUP_ROWS = 500_000


class PartitionedSink(EventSink):
    """`events/load_date=YYYY-MM-DD/part-00000.parquet`; the held-back days' partitions
    under `_holdback/events/`. Written into a scratch directory, moved into place at the end."""

    def __init__(
        self, config: GeneratorConfig, out_dir: Path, converter: EventConverter, holdback: Path
    ) -> None:
        super().__init__(config, out_dir, converter)
        self.main_dir = out_dir / PARTITIONS_DIR
        self.held_dir = holdback / PARTITIONS_DIR
        self.scratch = out_dir / ".events.partial"
        if self.scratch.exists():
            shutil.rmtree(self.scratch)
        self.scratch.mkdir(parents=True)
        self.spill_path = self.scratch / "clean.spill"
        self.bad_path = self.scratch / "injected.arrows"
        self._spill = self.spill_path.open("w+b")
        self._spilled = 0
        # load date -> (first row, rows) of each chunk's piece in the spill file
        self._pieces: dict[int, list[tuple[int, int]]] = {}
        self._bad_writer: pa.ipc.RecordBatchFileWriter | None = None
        self._bad_batches = 0
        # load date -> numbers of the record batches holding its injected rows
        self._bad_pieces: dict[int, list[int]] = {}

    def _write_chunk(self, pending: list[TenantDelivery]) -> None:
        """Spill the chunk's clean rows, sorted stably by load date."""
        events = concat([d.events for d in pending])
        day = events.received_at // DAY
        order = _stable_order(day)
        records = np.empty(len(events), dtype=SPILL_DTYPE)
        for field in FIELDS:
            records[field] = getattr(events, field)[order]
        records["seq"] = np.concatenate([d.seq for d in pending])[order]
        if self.converter.dirty:
            styles = np.concatenate([d.dirty.offset_styles for d in pending if d.dirty])
            records["offset_style"] = styles[order]
        else:
            records["offset_style"] = 0
        records.tofile(self._spill)
        days, first, rows = np.unique(day[order], return_index=True, return_counts=True)
        for d, f, r in zip(days.tolist(), first.tolist(), rows.tolist(), strict=True):
            self._pieces.setdefault(d, []).append((self._spilled + f, r))
        self._spilled += len(records)
        if self.converter.dirty:
            self._spill_injected(pending)

    def _spill_injected(self, pending: list[TenantDelivery]) -> None:
        bad = pa.concat_tables([d.dirty.rows for d in pending if d.dirty])
        if bad.num_rows == 0:
            return
        day = np.concatenate([d.dirty.delivered for d in pending if d.dirty]) // DAY
        order = _stable_order(day)
        bad = bad.take(pa.array(order)).combine_chunks()
        if self._bad_writer is None:
            self._bad_writer = pa.ipc.new_file(str(self.bad_path), DIRTY_EVENT_SCHEMA)
        days, first, rows = np.unique(day[order], return_index=True, return_counts=True)
        for d, f, r in zip(days.tolist(), first.tolist(), rows.tolist(), strict=True):
            for batch in bad.slice(f, r).to_batches():
                self._bad_writer.write_batch(batch)
                self._bad_pieces.setdefault(d, []).append(self._bad_batches)
                self._bad_batches += 1

    def _finish(self) -> tuple[int, int]:
        """Write the partitions, groups of load dates on parallel threads (one file each)."""
        self._spill.flush()
        if self._bad_writer is not None:
            self._bad_writer.close()
        days = sorted(set(self._pieces) | set(self._bad_pieces))
        groups: list[list[int]] = [[]]
        rows = 0
        for day in days:
            if rows >= MERGE_GROUP_ROWS:
                groups.append([])
                rows = 0
            groups[-1].append(day)
            rows += sum(r for _, r in self._pieces.get(day, []))
        workers = max(1, min(2, os.cpu_count() or 1))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="partitions") as pool:
            written = list(pool.map(self._write_days, groups))
        self._spill.close()
        main_rows = sum(main for main, _ in written)
        held_rows = sum(held for _, held in written)
        _replace_dir(self.scratch / "main", self.main_dir)
        if held_rows:
            _replace_dir(self.scratch / "held", self.held_dir)
        shutil.rmtree(self.scratch)
        return main_rows, held_rows

    def _write_days(self, days: list[int]) -> tuple[int, int]:
        """One partition file per load date of `days`; rows to main and held back."""
        if not days:
            return 0, 0
        spans = [self._pieces.get(day, []) for day in days]
        clean = self._clean_rows([piece for span in spans for piece in span])
        bad = pa.ipc.open_file(pa.OSFile(str(self.bad_path))) if self._bad_pieces else None
        main_rows = held_rows = 0
        start = 0
        for day, span in zip(days, spans, strict=True):
            n = sum(r for _, r in span)
            held = self.cutoff_day is not None and day >= self.cutoff_day
            folder = (
                self.scratch / ("held" if held else "main") / f"load_date={np.datetime64(day, 'D')}"
            )
            writer = TableFileWriter(
                folder / PARTITION_FILE, "parquet", self.converter.schema, atomic=False
            )
            writer.write(clean.slice(start, n))
            start += n
            for number in self._bad_pieces.get(day, []):
                assert bad is not None
                writer.write(pa.Table.from_batches([bad.get_batch(number)]))
            rows = writer.close()
            if held:
                held_rows += rows
            else:
                main_rows += rows
        return main_rows, held_rows

    def _clean_rows(self, pieces: list[tuple[int, int]]) -> pa.Table:
        size = SPILL_DTYPE.itemsize
        data = b"".join(
            os.pread(self._spill.fileno(), rows * size, first * size) for first, rows in pieces
        )
        records = np.frombuffer(data, dtype=SPILL_DTYPE)
        events = EventBatch(*(np.ascontiguousarray(records[field]) for field in FIELDS))
        styles = np.ascontiguousarray(records["offset_style"])
        return self.converter.table(events, np.ascontiguousarray(records["seq"]), styles)

    def _discard(self) -> None:
        self._spill.close()
        if self._bad_writer is not None:
            self._bad_writer.close()
        shutil.rmtree(self.scratch, ignore_errors=True)


def _stable_order(day: np.ndarray) -> np.ndarray:
    """Indices sorting `day` stably; as 16-bit offsets numpy sorts by radix, in linear time."""
    if len(day) and day.max() - day.min() < np.iinfo(np.int16).max:
        return np.argsort((day - day.min()).astype(np.int16), kind="stable")
    return np.argsort(day, kind="stable")


def _replace_dir(source: Path, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.exists():
        source.replace(target)
    else:
        target.mkdir()


def open_sink(
    config: GeneratorConfig, out_dir: Path, converter: EventConverter, holdback: Path
) -> EventSink:
    if config.events_layout == "partitioned":
        return PartitionedSink(config, out_dir, converter, holdback)
    return SingleFileSink(config, out_dir, converter, holdback)
