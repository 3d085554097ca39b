"""Orchestration: stream the events tenant by tenant, then the small tables and the truth."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from tenant_kpis.errors import UserError
from tenant_kpis.generator import alert_scenario, billing, dirty, learning, support, truth
from tenant_kpis.generator.config import (
    DAY,
    DEFAULT_EFFECTS,
    GeneratorConfig,
    child_rng,
    unit_rng,
)
from tenant_kpis.generator.dirty import DirtyEvents
from tenant_kpis.generator.event_files import PARTITIONS_DIR, EventConverter, open_sink
from tenant_kpis.generator.events import EventBatch, EventSimulator, PropertyVocab
from tenant_kpis.generator.progress import Progress
from tenant_kpis.generator.stream import TenantStream
from tenant_kpis.generator.tenants import Population, build_population, finalize_users
from tenant_kpis.generator.writer import TABLES, frame_to_arrow, write_table

HOLDBACK_DIR = "_holdback"
TENANT_NAME_WORDS = (
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Hooli",
    "Vandelay",
    "Soylent",
    "Cyberdyne",
    "Tyrell",
    "Wonka",
    "Aperture",
    "Massive",
    "Pied Piper",
    "Oscorp",
)
TENANT_NAME_SUFFIX = {
    "saas_smb": "Labs",
    "enterprise_software": "Systems",
    "healthcare": "Health",
    "financial_services": "Capital",
}


def _effects(config: GeneratorConfig) -> dict[str, float]:
    effects = dict(DEFAULT_EFFECTS)
    effects.update(config.effects)
    return effects


def generate_dataset(config: GeneratorConfig, out_dir: Path, progress: bool = True) -> str:
    """Write the nine raw tables and `_truth.json` into `out_dir`; return a summary line."""
    say = Progress(progress)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"--out {out_dir} exists and is not a directory")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"cannot create output directory {out_dir}: {error}") from error
    effects = _effects(config)

    pop = build_population(config)
    if config.alert_scenario is not None:
        alert_scenario.plant_first_value(
            config.seed,
            config.alert_scenario,
            config.alert_drop_epoch_day,
            pop.users,
            pop.tenants["onboard_day"].to_numpy(),
            config.alert_median_drop_share,
        )
    finalize_users(config, pop)
    say(f"population: {len(pop.tenants):,} tenants, {len(pop.users):,} users")
    content = learning.build_content(config)
    vocab = PropertyVocab(content)
    log = dirty.DirtyLog()
    known = {"tenant_ids": np.sort(pop.tenants["tenant_id"].to_numpy().astype(str))}
    converter = EventConverter(pop, vocab, dirty=config.dirty_rate > 0)
    simulator = EventSimulator(
        config, pop, content, vocab, effects["certification_error_reduction"]
    )
    dirtier = _event_dirtier(config, pop, converter, known, log) if config.dirty_rate > 0 else None
    stream = TenantStream(config, pop, simulator, dirtier)
    # A stale layout would be a second events table beside the new one.
    _clear_stale(out_dir, config.file_format, config.events_layout)
    sink = open_sink(config, out_dir, converter, out_dir / HOLDBACK_DIR)
    try:
        step = max(1, len(pop.tenants) // 10)
        for delivery in stream:
            sink.add(delivery)
            if (delivery.tenant + 1) % step == 0 or delivery.tenant + 1 == len(pop.tenants):
                say(
                    f"events: tenants {delivery.tenant + 1:,}/{len(pop.tenants):,}, "
                    f"{stream.delivered:,} delivered"
                )
        say(
            "events: writing the last chunk"
            + (" and the load-date partitions" if config.events_layout == "partitioned" else "")
        )
        written, held_back = sink.close()
    except BaseException:
        sink.abort()
        raise
    say(f"wrote events: {written + held_back:,} rows ({held_back:,} held back)")
    # Arrow keeps freed buffers in its pool; the small tables need none of them.
    pa.default_memory_pool().release_unused()

    feats = stream.features()
    outcomes = stream.outcomes()
    churn_at = outcomes["churn_at"].to_numpy()
    tables: dict[str, pd.DataFrame] = {}
    tables["tenants"] = _tenants_table(config, pop)
    tables["users"] = _users_table(pop, churn_at)
    tables["certifications"] = learning.build_certifications(config, pop, churn_at)
    certified_at = _tenant_certified_at(pop, tables["certifications"])
    tables["content"] = content
    tables["learning_costs"] = learning.build_learning_costs(config, pop, churn_at)
    tables["support_tickets"] = support.build_tickets(
        config, pop, certified_at, churn_at, effects["certification_tier1_ticket_reduction"]
    )
    tables["subscription_events"] = billing.build_subscription_events(config, pop, outcomes)
    tables["experiment_assignments"] = _assignments_table(pop)
    say("small tables built")

    truth_doc = truth.build_truth(
        config,
        effects,
        pop,
        tables,
        stream.windows,
        stream.delivered,
        feats,
        outcomes,
        certified_at,
        out_dir,
    )
    if config.dirty_rate > 0:
        rng = child_rng(config.seed, "dirty")
        dirty.dirty_small_tables(tables, config.dirty_rate, rng, known, log)
        say(f"dirty rows injected: {log.as_dict()['quarantine_totals']}")

    ext = config.file_format
    counts: dict[str, int] = {"events": written + held_back}
    for name in TABLES:
        if name == "events":
            continue
        arrow = frame_to_arrow(name, tables[name])
        write_table(arrow, out_dir / f"{name}.{ext}", ext)
        counts[name] = arrow.num_rows
    say("wrote the other tables")

    truth_doc["row_counts"] = {name: counts[name] for name in TABLES}
    if config.alert_scenario is not None:
        truth_doc["alert_scenario"] = alert_scenario.truth_section(
            config.alert_scenario, config.alert_drop_date, config.alert_median_drop_share
        )
    truth_doc.update(log.as_dict())
    partitioned = config.events_layout == "partitioned"
    held_path = (
        f"{HOLDBACK_DIR}/{PARTITIONS_DIR}/" if partitioned else f"{HOLDBACK_DIR}/events.{ext}"
    )
    truth_doc["holdback"] = {
        "days": config.holdback_days,
        "cutoff": f"{np.datetime64(config.end_epoch_day - config.holdback_days, 'D')}T00:00:00Z",
        "events_held_back": held_back,
        "path": held_path if held_back else None,
        "note": "row_counts.events includes the held-back events",
    }
    _clear_stale_holdback(out_dir, held_back)
    (out_dir / "_truth.json").write_text(json.dumps(truth_doc, indent=2, sort_keys=True) + "\n")
    say("wrote _truth.json")
    clean = truth_doc["clean_row_counts"]
    injected = sum(counts.values()) - sum(clean.values())
    return (
        f"Wrote {sum(counts.values()):,} rows ({clean['events']:,} events, "
        f"{clean['tenants']:,} tenants, {clean['users']:,} users"
        + (f"; {injected:,} injected bad or duplicate rows" if injected else "")
        + (f"; {held_back:,} events held back" if held_back else "")
        + f") to {out_dir}"
        + (f"/{PARTITIONS_DIR}/ by load date" if partitioned else "")
    )


def _event_dirtier(
    config: GeneratorConfig,
    pop: Population,
    converter: EventConverter,
    known: dict[str, np.ndarray],
    log: dirty.DirtyLog,
):
    """Injects one tenant's bad event rows from that tenant's own random stream."""
    user_created = pop.users["created_at"].to_numpy()
    end_epoch = config.end_epoch_day * DAY

    def inject(tenant: int, events: EventBatch, seq: np.ndarray) -> DirtyEvents:
        return dirty.dirty_events(
            events,
            seq,
            converter.plain,
            user_created,
            config.dirty_rate,
            unit_rng(config.seed, "dirty_events", tenant),
            known,
            end_epoch,
            log,
        )

    return inject


def _tenant_certified_at(pop: Population, certifications: pd.DataFrame) -> np.ndarray:
    """First issued_at per tenant (epoch seconds, -1 if none)."""
    first = certifications.groupby("tenant_id")["issued_at"].min()
    ids = pop.tenants["tenant_id"]
    return ids.map(first).fillna(-1).astype(np.int64).to_numpy()


def _tenants_table(config: GeneratorConfig, pop: Population) -> pd.DataFrame:
    t = pop.tenants
    rng = child_rng(config.seed, "tenant_names")
    word = rng.integers(0, len(TENANT_NAME_WORDS), size=len(t))
    names = [
        f"{TENANT_NAME_WORDS[w]} {TENANT_NAME_SUFFIX[i]} {tid}"
        for w, i, tid in zip(word, t["industry"], t["tenant_id"], strict=True)
    ]
    return pd.DataFrame(
        {
            "tenant_id": t["tenant_id"],
            "tenant_name": names,
            "industry": t["industry"],
            "plan_tier": t["plan_tier"],
            "region": t["region"],
            "seats_purchased": t["seats_purchased"],
            "signed_at": t["signed_at"],
            "onboarded_at": t["onboarded_at"],
        }
    )


def _users_table(pop: Population, churn_at: np.ndarray) -> pd.DataFrame:
    u = pop.users
    t_idx = u["tenant_idx"].to_numpy()
    churn = churn_at[t_idx]
    created = u["created_at"].to_numpy()
    keep = created < churn
    deact = u["deactivated_at"].to_numpy()
    # Users still active when their tenant churns are deactivated at churn.
    deact = np.where(
        (churn < np.iinfo(np.int64).max) & ((deact < 0) | (deact > churn)), churn, deact
    )
    return pd.DataFrame(
        {
            "user_id": u["user_id"].to_numpy()[keep],
            "tenant_id": pop.tenants["tenant_id"].to_numpy()[t_idx[keep]],
            "persona": u["persona"].to_numpy()[keep],
            "created_at": created[keep],
            "deactivated_at": deact[keep],
            "email": u["email"].to_numpy()[keep],
        }
    )


def _assignments_table(pop: Population) -> pd.DataFrame:
    rows = []
    onboarded = pop.tenants["onboarded_at"].to_numpy()
    ids = pop.tenants["tenant_id"].to_numpy()
    for exp in pop.experiments:
        for t, treat in zip(exp.tenant_idx, exp.treatment, strict=True):
            rows.append(
                (exp.experiment_id, ids[t], "treatment" if treat else "control", int(onboarded[t]))
            )
    return pd.DataFrame(rows, columns=["experiment_id", "tenant_id", "arm", "assigned_at"])


def _clear_stale(out_dir: Path, ext: str, layout: str) -> None:
    """Remove the files of a previous run in another format or events layout."""
    other = "csv" if ext == "parquet" else "parquet"
    for name in TABLES:
        (out_dir / f"{name}.{other}").unlink(missing_ok=True)
    if layout == "partitioned":
        (out_dir / f"events.{ext}").unlink(missing_ok=True)
    elif (out_dir / PARTITIONS_DIR).is_dir():
        shutil.rmtree(out_dir / PARTITIONS_DIR)
    holdback = out_dir / HOLDBACK_DIR
    if holdback.exists():
        shutil.rmtree(holdback)


def _clear_stale_holdback(out_dir: Path, held_back: int) -> None:
    holdback = out_dir / HOLDBACK_DIR
    if holdback.exists() and not held_back:
        shutil.rmtree(holdback)


def append_holdback(raw_dir: Path) -> int:
    """Deliver the held-back events of `raw_dir` (the week of data that arrives later);
    return the number of rows delivered.

    Single file: `_holdback/events.<ext>` is appended to `events.<ext>`. Partitioned:
    each `_holdback/events/load_date=...` partition moves into `events/`; a partition
    is delivered once, so one that already exists there is an error.
    """
    raw_dir = Path(raw_dir)
    held_partitions = raw_dir / HOLDBACK_DIR / PARTITIONS_DIR
    if held_partitions.is_dir():
        appended = _move_partitions(held_partitions, raw_dir / PARTITIONS_DIR)
    else:
        appended = _append_file(raw_dir)
    if not any((raw_dir / HOLDBACK_DIR).iterdir()):
        (raw_dir / HOLDBACK_DIR).rmdir()
    return appended


def _move_partitions(held: Path, events_dir: Path) -> int:
    import pyarrow.parquet as pq

    if not events_dir.is_dir():
        raise UserError(f"{events_dir} does not exist: cannot deliver the held-back partitions")
    partitions = sorted(p for p in held.iterdir() if p.is_dir())
    delivered = [p.name for p in partitions if (events_dir / p.name).exists()]
    if delivered:
        raise UserError(
            f"{events_dir} already has {', '.join(delivered)}: a partition is delivered once"
        )
    rows = 0
    for partition in partitions:
        rows += sum(
            pq.ParquetFile(f).metadata.num_rows for f in sorted(partition.glob("*.parquet"))
        )
        partition.replace(events_dir / partition.name)
    shutil.rmtree(held)
    return rows


def _append_file(raw_dir: Path) -> int:
    for ext in ("parquet", "csv"):
        held = raw_dir / HOLDBACK_DIR / f"events.{ext}"
        main = raw_dir / f"events.{ext}"
        if held.exists():
            break
    else:
        raise UserError(f"no held-back events in {raw_dir / HOLDBACK_DIR} (nothing to append)")
    if not main.exists():
        raise UserError(f"{main} does not exist: cannot append the held-back events")
    if ext == "csv":
        lines = held.read_bytes().split(b"\n", 1)
        body = lines[1] if len(lines) > 1 else b""
        with main.open("ab") as handle:
            handle.write(body)
        appended = body.count(b"\n")
    else:
        appended = _append_parquet(main, held)
    held.unlink()
    return appended


def _append_parquet(main: Path, held: Path) -> int:
    """Rewrite `main` with the row groups of `held` after its own, one row group in
    memory at a time."""
    import pyarrow.parquet as pq

    old, new = pq.ParquetFile(main), pq.ParquetFile(held)
    schema = old.schema_arrow
    tmp = main.with_name(main.name + ".tmp")
    writer = pq.ParquetWriter(tmp, schema, compression="zstd", store_schema=False)
    try:
        for source in (old, new):
            for group in range(source.num_row_groups):
                table = source.read_row_group(group)
                if table.schema != schema:
                    table = table.cast(schema)
                writer.write_table(table, row_group_size=max(1, table.num_rows))
    except BaseException:
        writer.close()
        tmp.unlink(missing_ok=True)
        raise
    writer.close()
    tmp.replace(main)
    return new.metadata.num_rows
