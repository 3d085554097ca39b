"""One way for Python to read and write a Spark warehouse: SQL statements.

The Python steps, the mart comparison and `tenant-kpis publish` reach Spark
only through `SparkSql`: run a statement, read a query's columns and rows
as plain Python values (`date`, `datetime`, `float`, `int`, `Decimal`,
`str`, `bool`, None: what a DuckDB or PostgreSQL cursor returns), ask
whether a table exists. It is also a DB-API-like connection (`cursor()`),
so warehouse.read_rows reads it as any other warehouse.

Two implementations, chosen by the target's `method` as dbt-spark does:
- `session`: a local SparkSession with the target's settings
  (spark_session.py), for tests and the demo; it holds the Derby metastore,
  so never while a dbt command on the same directory runs;
- `thrift`: a DB-API connection (PyHive) to a Spark Thrift server, as on a
  cluster, which needs no local Spark, no JVM and no access to the
  metastore: the same connection dbt-spark's `thrift` method opens.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date
from typing import Any

from tenant_kpis.engines.profile import Target
from tenant_kpis.errors import UserError, one_line

Rows = tuple[list[str], list[tuple[Any, ...]]]


class SparkCursor:
    """The slice of a DB-API cursor warehouse.read_rows uses."""

    def __init__(self, connection: SparkSql) -> None:
        self._connection = connection
        self._rows: list[tuple[Any, ...]] = []
        self.description: list[tuple[str, ...]] = []

    def execute(self, sql: str) -> None:
        columns, self._rows = self._connection.query(sql)
        self.description = [(name,) for name in columns]

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._rows


class SparkSql:
    """A Spark warehouse reached by SQL (no transactions: Spark has none)."""

    def query(self, sql: str) -> Rows:
        """The column names and every row of a statement's result."""
        raise NotImplementedError

    def execute(self, sql: str) -> None:
        self.query(sql)

    def table_exists(self, schema: str, table: str) -> bool:
        schemas = {str(row[0]).lower() for row in self.query("show schemas")[1]}
        if schema.lower() not in schemas:
            return False
        _, rows = self.query(f"show tables in `{schema}` like '{table}'")
        return any(str(row[1]).lower() == table.lower() for row in rows)

    def cursor(self) -> SparkCursor:
        return SparkCursor(self)

    def commit(self) -> None:
        pass

    def rollback(self) -> None:
        pass

    def close(self) -> None:
        raise NotImplementedError


class SessionSql(SparkSql):
    """A local SparkSession (`method: session`); closing it stops its JVM."""

    def __init__(self, session: Any) -> None:
        self.session = session

    def query(self, sql: str) -> Rows:
        frame = self.session.sql(sql)
        return list(frame.columns), [tuple(row) for row in frame.collect()]

    def close(self) -> None:
        from tenant_kpis.engines.spark_session import stop_session

        stop_session(self.session)


def _thrift_date(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


# what a Spark Thrift server sends as text but a session returns typed
# (PyHive itself converts TIMESTAMP_TYPE and DECIMAL_TYPE)
THRIFT_CONVERTERS = {"DATE_TYPE": _thrift_date}


class ThriftSql(SparkSql):
    """A Spark Thrift server (`method: thrift`) through PyHive."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def query(self, sql: str) -> Rows:
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql)
            if not cursor.description:
                return [], []
            columns = [str(column[0]) for column in cursor.description]
            converters = [THRIFT_CONVERTERS.get(column[1]) for column in cursor.description]
            rows = [
                tuple(
                    value if convert is None else convert(value)
                    for value, convert in zip(row, converters, strict=True)
                )
                for row in cursor.fetchall()
            ]
            return columns, rows
        finally:
            cursor.close()

    def execute(self, sql: str) -> None:
        """Run a statement without reading its result: PyHive fails to fetch
        the empty result a Spark Thrift server returns for a command (create,
        insert, drop: one `Result` column, no rows, no column data)."""
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql)
        finally:
            cursor.close()

    def close(self) -> None:
        self.connection.close()


def thrift_connection(target: Target) -> ThriftSql:
    """PyHive's connection with the profile's host, port and user."""
    try:
        from pyhive import hive
    except ImportError as error:
        raise UserError(
            "the spark target's thrift method needs PyHive: make install-spark "
            "(pip install 'dbt-spark[PyHive]')"
        ) from error
    settings = target.settings
    try:
        connection = hive.connect(
            host=settings["host"],
            port=int(settings.get("port", 10000)),
            username=settings.get("user"),
            auth=settings.get("auth"),
            password=settings.get("password"),
            kerberos_service_name=settings.get("kerberos_service_name"),
        )
    except Exception as error:  # thrift's transport errors have no common base
        raise UserError(
            f"cannot connect to the Spark Thrift server of target '{target.name}' "
            f"({settings.get('host')}:{settings.get('port')}): {one_line(error)}"
        ) from error
    sql = ThriftSql(connection)
    # the warehouse's timestamps are naive UTC, read and written as such: a
    # server in another session time zone would shift every one of them
    # (Spark Thrift servers ignore a client's session configuration, so it
    # must be the server's default, as in the local lane's server)
    time_zone = sql.query("select current_timezone()")[1][0][0]
    if time_zone != "UTC":
        sql.close()
        raise UserError(
            f"the Spark Thrift server of target '{target.name}' runs in time zone {time_zone}: "
            "set spark.sql.session.timeZone=UTC in its defaults (README 'Spark')"
        )
    return sql


def connect(target: Target) -> SparkSql:
    """The target's Spark warehouse: a local session or a Thrift server."""
    if target.type != "spark":
        raise UserError(f"dbt target '{target.name}' is {target.type}, not spark")
    method = str(target.settings.get("method", "session"))
    if method == "thrift":
        return thrift_connection(target)
    if method == "session":
        from tenant_kpis.engines.spark_session import open_session

        return SessionSql(open_session(target))
    raise UserError(f"dbt target '{target.name}': Spark method {method} is not supported here")


@contextlib.contextmanager
def spark_sql(target: Target) -> Iterator[SparkSql]:
    connection = connect(target)
    try:
        yield connection
    finally:
        connection.close()
