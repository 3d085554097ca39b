"""Engine-specific SQL lives in dispatched macros only (DEVELOPERS.md "Engines").

A fast guard, no database: every model, data test and macro body that is not
an engine's own implementation (`duckdb__...`, `spark__...`) is scanned for
constructs that exist on DuckDB only. PostgreSQL has no type `double` or
function `try_cast`; each construct has its portable macro (the table in
DEVELOPERS.md). `make test-postgres` is the real proof; this catches a
DuckDB-only construct in seconds, before a build on a server.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from dbt_project import PROJECT_DIR

# construct -> what to write instead
DUCKDB_ONLY = {
    r"\bas\s+double\b(?!\s+precision)": "{{ dbt.type_float() }}",
    r"\bas\s+varchar\b": "{{ dbt.type_string() }}",
    r"\btry_cast\s*\(": "to_integer / to_double / safe_cast_boolean",
    r"\barg_(max|min)\s*\(": "latest_by",
    r"\bmedian\s*\(": "the median macro",
    r"\bstring_split\s*\(": "split_to_rows",
    r"\bis(finite|nan)\s*\(": "is_finite / is_nan",
    r"\bunion\s+(all\s+)?by\s+name\b": "union all with the same column list on both sides",
    r"\binterval\s+'?\d+'?\s+(day|week|month|year)s?\b": "dbt.dateadd",
    r"\bstrftime\s*\(": "year_month",
    r"\blgamma\s*\(": "log_gamma",
    r"\bcount_if\s*\(": "sum(case when ... then 1 else 0 end)",
    r"\bqualify\b": "a row_number() CTE and a where",
    r"\blist_\w+\s*\(": "a portable macro",
    r"::": "cast(... as ...)",
    r"\bround\s*\([^()]*(\([^()]*\)[^()]*)*,\s*\d+\s*\)": "round_to",
    # DuckDB and PostgreSQL have it, Spark does not
    r"\binformation_schema\b": "catalog_columns",
}
ENGINE_IMPLEMENTATION = re.compile(
    r"{%-?\s*macro\s+(duckdb|spark|snowflake|bigquery)__\w+.*?{%-?\s*endmacro\s*-?%}", re.S
)
JINJA_COMMENT = re.compile(r"{#.*?#}", re.S)
JINJA_TAG = re.compile(r"({{.*?}}|{%.*?%})", re.S)
STRING_LITERAL = re.compile(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"", re.S)
SQL_COMMENT = re.compile(r"--[^\n]*")


def _portable_text(path: Path) -> str:
    text = JINJA_COMMENT.sub("", path.read_text(encoding="utf-8"))
    text = ENGINE_IMPLEMENTATION.sub("", text)
    # a default__ body beside a postgres__ one serves the other engines; in
    # macros/portable every default__ is such an implementation
    with_postgres = set(re.findall(r"macro\s+postgres__(\w+)", text))
    for name in re.findall(r"macro\s+default__(\w+)", text):
        if name in with_postgres or path.parent.name == "portable":
            text = _without_macro(text, f"default__{name}")
    # postgres__ bodies may use PostgreSQL's own syntax (`::bit(48)`)
    for name in with_postgres:
        text = _without_macro(text, f"postgres__{name}")
    return _sql_only(SQL_COMMENT.sub("", text))


def _sql_only(text: str) -> str:
    """The SQL of a template: the text outside Jinja tags, and the string
    literals inside them (SQL that macros assemble); not the Jinja code itself
    (a call of the project's `median` macro is not DuckDB's `median`)."""
    pieces = JINJA_TAG.split(text)
    for index in range(1, len(pieces), 2):
        literals = STRING_LITERAL.findall(pieces[index])
        pieces[index] = " " + " ".join(single or double for single, double in literals) + " "
    return "".join(pieces)


def _without_macro(text: str, name: str) -> str:
    return re.sub(rf"{{%-?\s*macro\s+{name}\b.*?{{%-?\s*endmacro\s*-?%}}", "", text, flags=re.S)


def _sql_files() -> list[Path]:
    files = []
    for folder in ("models", "macros", "tests"):
        files.extend(sorted((PROJECT_DIR / folder).rglob("*.sql")))
    return files


def find_duckdb_only(text: str) -> list[str]:
    found = []
    for pattern, instead in DUCKDB_ONLY.items():
        for match in re.finditer(pattern, text, re.IGNORECASE):
            found.append(f"{match.group(0)!r} (write {instead})")
    return found


def test_the_guard_catches_each_construct() -> None:
    """Each pattern matches the construct it names, and not its portable spelling."""
    assert find_duckdb_only("cast(x as double)") and find_duckdb_only("cast(x as varchar)")
    assert not find_duckdb_only("cast(x as double precision)")
    assert not find_duckdb_only("cast(x as {{ dbt.type_float() }})")
    assert find_duckdb_only("try_cast(x as integer)") and find_duckdb_only("arg_max(a, b)")
    assert find_duckdb_only("x + interval 90 day") and find_duckdb_only("x::date")
    assert find_duckdb_only("round(sum(x) / 3, 2)") and not find_duckdb_only("round(x)")
    assert find_duckdb_only("lgamma(n + 1)") and find_duckdb_only("select * union all by name")
    assert find_duckdb_only("median(x)") and not find_duckdb_only(_sql_only("{{ median('x') }}"))
    assert find_duckdb_only(_sql_only("{% set n = 'cast(' ~ x ~ ' as double)' %}"))
    assert find_duckdb_only("from information_schema.columns")
    assert not find_duckdb_only(_sql_only("from ({{ catalog_columns() }})"))
    macro = "{% macro duckdb__a(x) %}try_cast(x as double){% endmacro %}"
    assert ENGINE_IMPLEMENTATION.sub("", macro) == ""


@pytest.mark.parametrize("path", _sql_files(), ids=lambda path: str(path.relative_to(PROJECT_DIR)))
def test_no_duckdb_only_sql_outside_engine_macros(path: Path) -> None:
    found = find_duckdb_only(_portable_text(path))
    assert not found, f"{path.relative_to(PROJECT_DIR)}: " + "; ".join(found)
