"""A local Spark session for the `spark` target, outside dbt.

dbt-spark's `method: session` runs Spark inside dbt's own process; the
Python steps and the mart comparison run in another process afterwards, so
they open a session with the same settings (profiles.yml
`server_side_parameters`: master, warehouse directory, Derby metastore,
UTC), read and write the same tables through it (spark_sql.SessionSql),
and stop it. Derby admits one JVM at a time: never while a dbt command on
the same directory runs.
"""

from __future__ import annotations

import os
import subprocess
import time
from typing import Any

from tenant_kpis.engines.profile import Target
from tenant_kpis.errors import UserError


def open_session(target: Target) -> Any:
    """A SparkSession configured as the target's dbt session."""
    if target.type != "spark":
        raise UserError(f"dbt target '{target.name}' is {target.type}, not spark")
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:
        raise UserError(
            "the spark target needs pyspark: pip install -e '.[spark]' (make test-spark does)"
        ) from error
    # PySpark turns timestamps into Python datetimes in the process's local
    # time zone: UTC, as the warehouse's naive timestamps are UTC
    os.environ["TZ"] = "UTC"
    time.tzset()
    builder = SparkSession.builder.enableHiveSupport()
    for name, value in (target.settings.get("server_side_parameters") or {}).items():
        builder = builder.config(str(name), str(value))
    return builder.getOrCreate()


def stop_session(session: Any) -> None:
    """Stop the session and its JVM. SparkSession.stop() leaves the JVM
    running in this process, and with it the embedded Derby metastore, which
    the next dbt command (another JVM) could then not open."""
    from pyspark import SparkContext

    gateway = SparkContext._gateway
    session.stop()
    if gateway is None:
        return
    process = getattr(gateway, "proc", None)
    gateway.shutdown()
    if process is not None:
        # the JVM exits when its stdin closes (PythonGatewayServer)
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    SparkContext._gateway = None
    SparkContext._jvm = None
