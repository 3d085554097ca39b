"""Orchestration: build every table, plant the effects, write files and the truth."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tenant_kpis.errors import UserError
from tenant_kpis.generator import billing, dirty, features, learning, support, truth
from tenant_kpis.generator.config import (
    DAY,
    DEFAULT_EFFECTS,
    GeneratorConfig,
    child_rng,
)
from tenant_kpis.generator.events import (
    EVENT_NAMES,
    E,
    EventBatch,
    PropertyVocab,
    generate_events,
)
from tenant_kpis.generator.progress import Progress
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
    finalize_users(config, pop)
    say(f"population: {len(pop.tenants):,} tenants, {len(pop.users):,} users")
    content = learning.build_content(config)
    vocab = PropertyVocab(content)
    events = generate_events(
        config,
        pop,
        content,
        vocab,
        child_rng(config.seed, "events"),
        effects["certification_error_reduction"],
        say,
    )
    feats = features.tenant_features(pop, events)
    outcomes = billing.draw_outcomes(config, pop, feats)
    churn_at = outcomes["churn_at"].to_numpy()
    events = _drop_after_churn(pop, events, churn_at)
    say(f"events: {len(events):,} after churn")

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
        config, effects, pop, tables, events, feats, outcomes, certified_at, out_dir
    )
    log = dirty.DirtyLog()
    events_arrow = events_to_arrow(pop, events, vocab)
    received = events.received_at
    if config.dirty_rate > 0:
        rng = child_rng(config.seed, "dirty")
        known = {"tenant_ids": np.sort(pop.tenants["tenant_id"].to_numpy().astype(str))}
        dirty.dirty_small_tables(tables, config.dirty_rate, rng, known, log)
        numeric = np.array([E["nps_submitted"], E["data_import_completed"]], dtype=np.int8)
        events_arrow, received = dirty.dirty_events(
            events_arrow,
            events.received_at,
            events.occurred_at,
            events.name_code,
            numeric,
            events.user_idx,
            pop.users["created_at"].to_numpy(),
            config.dirty_rate,
            rng,
            known,
            config.end_epoch_day * DAY,
            log,
        )
        say(f"dirty rows injected: {log.as_dict()['quarantine_totals']}")

    ext = config.file_format
    counts: dict[str, int] = {}
    held_back = 0
    for name in TABLES:
        if name == "events":
            cutoff = (config.end_epoch_day - config.holdback_days) * DAY
            later = received >= cutoff if config.holdback_days > 0 else None
            if later is not None and later.any():
                held = events_arrow.filter(pa.array(later))
                events_arrow = events_arrow.filter(pa.array(~later))
                write_table(held, out_dir / HOLDBACK_DIR / f"events.{ext}", ext)
                held_back = held.num_rows
                say(f"held back {held_back:,} events received on or after the cutoff")
            arrow = events_arrow
        else:
            arrow = frame_to_arrow(name, tables[name])
        write_table(arrow, out_dir / f"{name}.{ext}", ext)
        counts[name] = arrow.num_rows
        say(f"wrote {name}: {arrow.num_rows:,} rows")
    counts["events"] += held_back

    truth_doc["row_counts"] = counts
    truth_doc.update(log.as_dict())
    truth_doc["holdback"] = {
        "days": config.holdback_days,
        "cutoff": f"{np.datetime64(config.end_epoch_day - config.holdback_days, 'D')}T00:00:00Z",
        "events_held_back": held_back,
        "path": f"{HOLDBACK_DIR}/events.{ext}" if held_back else None,
        "note": "row_counts.events includes the held-back events",
    }
    _clear_stale(out_dir, ext, held_back)
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
    )


def _drop_after_churn(pop: Population, events: EventBatch, churn_at: np.ndarray) -> EventBatch:
    keep = events.occurred_at < churn_at[events.tenant_idx]
    return events.take(np.flatnonzero(keep))


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


def events_to_arrow(
    pop: Population, events: EventBatch, vocab: PropertyVocab, id_offset: int = 0
) -> pa.Table:
    n = len(events)
    seq = pa.array(np.arange(id_offset, id_offset + n, dtype=np.int64))
    event_id = pc.binary_join_element_wise(
        pa.scalar("ev_", pa.large_string()),
        pc.utf8_lpad(pc.cast(seq, pa.large_string()), width=10, padding="0"),
        pa.scalar("", pa.large_string()),
    )
    # 64-bit offsets (large_string): past ~40M events a column's text exceeds
    # the 2 GiB that 32-bit string offsets can address.
    tenant_ids = pa.array(pop.tenants["tenant_id"].to_numpy(), type=pa.large_string())
    user_ids = pa.array(pop.users["user_id"].to_numpy(), type=pa.large_string())
    names = pa.array(list(EVENT_NAMES), type=pa.large_string())
    props = pa.array(vocab.strings, type=pa.large_string())
    # Plain strings everywhere: given dictionary arrays with large dictionaries, the Parquet
    # writer's dictionary fallback made the bytes differ between runs in one process.
    return pa.table(
        {
            "event_id": event_id,
            "tenant_id": tenant_ids.take(pa.array(events.tenant_idx)),
            "user_id": user_ids.take(pa.array(events.user_idx)),
            "event_name": names.take(pa.array(events.name_code.astype(np.int32))),
            "occurred_at": pa.array(events.occurred_at * 1_000_000, type=pa.timestamp("us")),
            "received_at": pa.array(events.received_at * 1_000_000, type=pa.timestamp("us")),
            "properties": props.take(pa.array(events.prop_code)),
        }
    )


def _clear_stale(out_dir: Path, ext: str, held_back: int) -> None:
    """Remove files of a previous run in another format or a stale holdback."""
    other = "csv" if ext == "parquet" else "parquet"
    for name in TABLES:
        stale = out_dir / f"{name}.{other}"
        if stale.exists():
            stale.unlink()
    holdback = out_dir / HOLDBACK_DIR
    if holdback.exists():
        for path in holdback.iterdir():
            if not (held_back and path.name == f"events.{ext}"):
                path.unlink()
        if not any(holdback.iterdir()):
            holdback.rmdir()


def append_holdback(raw_dir: Path) -> int:
    """Append `_holdback/events.<ext>` to `events.<ext>` (the week of data that arrives
    later); return the number of rows appended."""
    raw_dir = Path(raw_dir)
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
        import pyarrow.parquet as pq

        old, new = pq.read_table(main), pq.read_table(held)
        if old.schema != new.schema:
            new = new.cast(old.schema)
        write_table(pa.concat_tables([old, new]), main, "parquet")
        appended = new.num_rows
    held.unlink()
    if not any((raw_dir / HOLDBACK_DIR).iterdir()):
        (raw_dir / HOLDBACK_DIR).rmdir()
    return appended
