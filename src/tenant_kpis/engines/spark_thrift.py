"""A local Spark Thrift server for `make test-spark-thrift`, as a cluster serves one.

The server is the one the pyspark wheel ships
(`org.apache.spark.sql.hive.thriftserver.HiveThriftServer2`), started with
`spark-submit` and the `spark` target's own `server_side_parameters`
(master, driver memory, warehouse directory, Derby metastore, UTC, ...), so
both lanes run Spark with the same settings; only the client differs: dbt,
the Python steps and the publication reach it over Thrift (PyHive), as
they would reach a cluster's. It listens on 127.0.0.1 only, on a free port,
and lives in its own process group, which `thrift_server` stops on exit,
including on an error or an interrupt.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from tenant_kpis.engines.profile import resolve_target
from tenant_kpis.errors import UserError

SERVER_CLASS = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"
HOST = "127.0.0.1"
START_TIMEOUT_SECONDS = 300
STOP_TIMEOUT_SECONDS = 60
# spark-submit's own options: the JVM it starts reads them before any conf
SUBMIT_OPTIONS = {"spark.master": "--master", "spark.driver.memory": "--driver-memory"}


@dataclass
class ThriftServer:
    host: str
    port: int
    pid: int
    log: Path
    peak_rss_bytes: int = 0  # the server's process tree, sampled every second


def free_port() -> int:
    """A TCP port nothing listens on now (the server binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def server_command(parameters: Mapping[str, object], port: int) -> list[str]:
    """spark-submit of the Thrift server with the session target's Spark settings."""
    command = [str(Path(sys.executable).parent / "spark-submit"), "--class", SERVER_CLASS]
    for name, option in SUBMIT_OPTIONS.items():
        if name in parameters:
            command += [option, str(parameters[name])]
    for name, value in parameters.items():
        if name not in SUBMIT_OPTIONS:
            command += ["--conf", f"{name}={value}"]
    command += [
        "--hiveconf", f"hive.server2.thrift.bind.host={HOST}",
        "--hiveconf", f"hive.server2.thrift.port={port}",
        "--hiveconf", "hive.server2.transport.mode=binary",
        "spark-internal",
    ]  # fmt: skip
    return command


def _spark_home() -> str:
    """The pyspark package: spark-submit's own search runs `python3` from PATH,
    which need not be this environment's."""
    try:
        import pyspark
    except ImportError as error:
        raise UserError("the Thrift server needs pyspark: make install-spark") from error
    return str(Path(pyspark.__file__).parent)


def _listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1)
        return probe.connect_ex((HOST, port)) == 0


def _sample_memory(server: ThriftServer, stop: threading.Event) -> None:
    """The peak resident memory of the server's processes (the JVM, mostly)."""
    import psutil

    while not stop.wait(1.0):
        try:
            root = psutil.Process(server.pid)
            tree = [root, *root.children(recursive=True)]
            total = sum(process.memory_info().rss for process in tree)
        except psutil.Error:
            continue
        server.peak_rss_bytes = max(server.peak_rss_bytes, total)


def _stop(process: subprocess.Popen) -> None:
    """The server's whole process group (spark-submit's shell and the JVM)."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def thrift_server(
    environment: Mapping[str, str], log: Path, port: int, session_target: str = "spark"
) -> Iterator[ThriftServer]:
    """A Thrift server on `port` with `session_target`'s Spark settings as
    `environment` renders them (TENANT_KPIS_SPARK_DIR, ...); stopped on exit,
    whatever happens."""
    saved = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update(environment)
        parameters = resolve_target(session_target).settings.get("server_side_parameters") or {}
    finally:
        os.environ.clear()
        os.environ.update(saved)
    log.parent.mkdir(parents=True, exist_ok=True)
    spark_dir = Path(environment.get("TENANT_KPIS_SPARK_DIR", "data/spark"))
    spark_dir.mkdir(parents=True, exist_ok=True)
    with log.open("w") as handle:
        process = subprocess.Popen(
            server_command(parameters, port),
            cwd=spark_dir,  # Derby's and Hive's scratch files land here
            env={**environment, "TZ": "UTC", "SPARK_HOME": _spark_home()},
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        started = time.monotonic()
        while not _listening(port):
            if process.poll() is not None:
                raise UserError(f"the Spark Thrift server exited at start; see {log}")
            if time.monotonic() - started > START_TIMEOUT_SECONDS:
                raise UserError(f"the Spark Thrift server did not listen within "
                                f"{START_TIMEOUT_SECONDS} s; see {log}")  # fmt: skip
            time.sleep(1)
        server = ThriftServer(host=HOST, port=port, pid=process.pid, log=log)
        stop_sampling = threading.Event()
        sampler = threading.Thread(target=_sample_memory, args=(server, stop_sampling), daemon=True)
        sampler.start()
        try:
            yield server
        finally:
            stop_sampling.set()
            sampler.join()
    finally:
        _stop(process)
