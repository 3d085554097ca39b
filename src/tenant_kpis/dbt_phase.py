"""One dbt command of `tenant-kpis build`: load the project, then run on it.

`python -m tenant_kpis.dbt_phase <dbt arguments>` imports dbt and loads the
project (partial parse, no artefact written) at once, then waits for one line
on stdin: `run` runs `dbt <arguments>` on the loaded manifest and exits with
dbt's exit code (0 success, 1 failure, 2 error, as the dbt CLI); anything
else, or the end of stdin, exits 0 without running. With `--now` first it
runs as soon as the project is loaded (phase 1).

Why a process started before its inputs are ready (phase 2): a dbt process
spends about 4 s importing dbt and loading the manifest before its first
node (measured on the weekly run); started when phase 1 ends, phase 2 does
that while the Python steps compute, instead of after. Loading the project
opens no warehouse connection, so it does not contend with the steps for a
DuckDB file.

Why both phases run here and not as `dbt` itself: Python's cyclic garbage
collector. dbt allocates containers by the million (the manifest, then per
node its contexts and templates), and the default thresholds collect every
700 of them, each full collection traversing the whole loaded project again:
3 CPU-s of phase 1's 20 s of Python in the weekly run (py-spy), on the
interpreter lock the two dbt threads share. So collections are rarer
(COLLECTION_THRESHOLDS), and the loaded project, which lives until the
process exits, is frozen out of them before the run. Measured on the
2,000-tenant weekly run, three alternating pairs: 49.2 -> 47.4 s on average
(README "Performance").
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Sequence

GO = "run"
NOW = "--now"
#: Python's default is (700, 10, 10): a young-generation collection every 700
#: new containers, which dbt's per-node contexts and templates create by the
#: hundred thousand.
COLLECTION_THRESHOLDS = (200_000, 50, 1000)
#: The dbt flags that change what `dbt parse` loads (the rest only affect the run).
PARSE_FLAGS = ("--target", "-t", "--vars", "--profile", "--profiles-dir", "--project-dir")


def parse_arguments(arguments: Sequence[str]) -> list[str]:
    """The part of a dbt command's arguments that `dbt parse` accepts and needs."""
    kept: list[str] = []
    items = list(arguments)
    index = 0
    while index < len(items):
        item = items[index]
        name = item.split("=", 1)[0]
        if name in PARSE_FLAGS:
            kept.append(item)
            if "=" not in item and index + 1 < len(items):
                kept.append(items[index + 1])
                index += 1
        index += 1
    return kept


def exit_code(result: object) -> int:
    """dbt's CLI exit code for a dbtRunner result."""
    if getattr(result, "exception", None) is not None:
        return 2
    return 0 if getattr(result, "success", False) else 1


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    gc.set_threshold(*COLLECTION_THRESHOLDS)
    at_once = arguments[:1] == [NOW]
    if at_once:
        arguments = arguments[1:]
    from dbt.cli.main import dbtRunner

    loaded = dbtRunner().invoke(
        ["parse", "--quiet", "--no-write-json", *parse_arguments(arguments)]
    )
    if not at_once and sys.stdin.readline().strip() != GO:
        return 0
    if not loaded.success:
        # the error was printed while loading; the run would fail the same way
        return exit_code(loaded)
    gc.freeze()
    return exit_code(dbtRunner(manifest=loaded.result).invoke(arguments))


if __name__ == "__main__":
    sys.exit(main())
