"""Hypothesis budgets for the contract property tests.

Each example is a whole `dbt build` (about 30-60 s, nearly all of it dbt's
fixed cost), so the budgets count builds, not milliseconds:
- `contract-ci` (the default, run by `make test`): a fixed, derandomised set
  of CONTRACT_CI_EXAMPLES examples per property test, no example database, no
  shrinking (a failure prints its feed; `make fuzz` shrinks it);
- `contract-fuzz` (`make fuzz`): CONTRACT_FUZZ_EXAMPLES random examples in
  each of FUZZ_LANES parallel lanes (a parametrised copy of the test, each
  with its own random stream), shrinking with a longer time limit, failures saved in
  `.hypothesis/contract` and replayed first on the next run.

TENANT_KPIS_CONTRACT_PROFILE selects one; TENANT_KPIS_CONTRACT_EXAMPLES
overrides the example count of either.
"""

from __future__ import annotations

import os

from dbt_project import PROJECT_DIR
from hypothesis import HealthCheck, Phase, settings
from hypothesis.database import DirectoryBasedExampleDatabase
from hypothesis.internal.conjecture import engine
from hypothesis.internal.conjecture.engine import ConjectureRunner

CONTRACT_CI_EXAMPLES = 2
CONTRACT_FUZZ_EXAMPLES = 50  # per lane; the first tenth are small feeds (Hypothesis warms up)
FUZZ_LANES = 2  # `make fuzz` runs the lanes on two pytest-xdist workers
FUZZ_SHRINK_SECONDS = 3600
SLOW_EXAMPLE_CHECKS = [
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
    HealthCheck.large_base_example,
    HealthCheck.filter_too_much,
    HealthCheck.function_scoped_fixture,
]


def _examples(default: int) -> int:
    return int(os.environ.get("TENANT_KPIS_CONTRACT_EXAMPLES", default))


settings.register_profile(
    "contract-ci",
    max_examples=_examples(CONTRACT_CI_EXAMPLES),
    derandomize=True,
    database=None,
    deadline=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=SLOW_EXAMPLE_CHECKS,
    print_blob=False,
)
settings.register_profile(
    "contract-fuzz",
    max_examples=_examples(CONTRACT_FUZZ_EXAMPLES),
    derandomize=False,
    database=DirectoryBasedExampleDatabase(str(PROJECT_DIR / ".hypothesis" / "contract")),
    deadline=None,
    suppress_health_check=SLOW_EXAMPLE_CHECKS,
    report_multiple_bugs=False,
    print_blob=True,
)

PROFILE = os.environ.get("TENANT_KPIS_CONTRACT_PROFILE", "contract-ci")
if PROFILE == "contract-fuzz":
    # Hypothesis stops shrinking after 5 minutes; with one dbt build per step
    # that is a handful of steps, far from a minimal feed. No public setting
    # exists for this limit.
    engine.MAX_SHRINKING_SECONDS = FUZZ_SHRINK_SECONDS

CONTRACT_SETTINGS = settings.get_profile(PROFILE)
CONTRACT_LANES = FUZZ_LANES if PROFILE == "contract-fuzz" else 1


def without_mutation_rounds(runner: ConjectureRunner, data: object) -> None:
    """Replaces ConjectureRunner.generate_mutations_from for the contract tests.

    After each random example Hypothesis runs up to five mutated copies of it
    (parts of the example copied onto others). With one dbt build per
    example, five of every six builds of a budget would go to near-copies of
    one feed; the strategies draw shared values (same instants, same ids)
    themselves instead.
    """
