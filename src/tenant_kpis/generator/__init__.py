"""Synthetic raw data that follows the raw data contract, with planted effects.

`tenant-kpis generate --out DIR --tenants N --seed S [--years Y] [--event-years Y]
[--dirty RATE] [--format parquet|csv] [--events-layout file|partitioned]
[--holdback-days N] [--end-date YYYY-MM-DD] [--chunk-events N]` writes the nine raw
tables plus `_truth.json` and `_truth_tenants.parquet`. Same seed, same bytes, at
any `--chunk-events`: the history ends at a fixed date (default exclusive end
2026-11-16 00:00 UTC, so the as-of date is Sunday 2026-11-15), every table family
draws from its own `numpy.random.Generator` keyed by name (`config.child_rng`), and
the events of each tenant from their own (`config.unit_rng`).

The events are streamed: one tenant is simulated, its outcomes decided and its
rows handed to a sink at a time, so memory does not grow with the number of events.

Modules: `config` (options, calendar, catalogs), `tenants` (tenants, users and the
per-tenant plans: activation day, certification days, pilots), `events` (vectorised
user-day simulation of one tenant), `stream` (the tenant-by-tenant pass: churn,
delivered window, truth counts), `event_files` (events to one file or load-date
partitions, fixed row groups), `learning` (content, certifications, costs),
`support` (tickets), `billing` (renewal / expansion model, subscription events),
`features` (the spec's activation and first-30-day usage of a tenant), `truth`,
`dirty` (bad rows as extra rows, each with exactly one defect), `writer`, `sizing`
(`tenants_for_events`), `progress`, `dataset` (orchestration, holdback).

Planted effects (exact definitions in `_truth.json`):
- a task fails with the user's base rate p before, p * (1 - 0.30) after the day of
  the user's first certification;
- the tenant's Tier-1 ticket rate drops by 25% after the day of its certified_at;
- each tenant activates (spec definition) on a planted day; pilot tenants onboard
  and are assigned on the experiment's start day, with exact per-arm activation
  shares (one pilot +20 points at day 90, one with no effect);
- renewal at the first anniversary and expansion within 180 days follow logistic
  models of activation within 30 days and active user-days per seat in days 0..29;
- days to a tenant's first certification have industry medians inside the benchmark
  band for saas_smb and enterprise_software, outside for healthcare and
  financial_services.
Alert scenarios (`GeneratorConfig(alert_scenario="stationary" | "drop",
alert_drop_date=...)`, no CLI option; used by `make alert-sim-pipeline`): every
user's first-value day is drawn from one planted distribution that puts the four
first-value KPIs on (or just on the good side of) their thresholds, and, in the
drop scenario, users created from the drop date on draw truths
`alert_simulation_drop_share` x |threshold| past them, and the median's users past
its threshold day as `alert_simulation_median_drop_share` names (the 14-day rate
falls with it when lower; `GeneratorConfig.alert_median_drop_share` overrides it
for a sweep); all recorded in `_truth.json` under `alert_scenario`. Without a
scenario the output is byte for byte what it was.
"""

from tenant_kpis.generator.config import GeneratorConfig
from tenant_kpis.generator.dataset import append_holdback, generate_dataset
from tenant_kpis.generator.sizing import events_per_tenant, tenants_for_events

__all__ = [
    "GeneratorConfig",
    "append_holdback",
    "events_per_tenant",
    "generate_dataset",
    "tenants_for_events",
]
