"""A throwaway PostgreSQL cluster a test may stop and start (the shared one must stay up)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require_postgres
from tests.ops.support import free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")


class Cluster:
    """initdb'd into a temporary folder, listening on 127.0.0.1:<port>, trust auth."""

    def __init__(self) -> None:
        self.data = Path(tempfile.mkdtemp(prefix="knee-pg-"))
        self.port = free_port()
        self.url = f"postgresql://knee@127.0.0.1:{self.port}/postgres"
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            shutil.chown(self.data, "postgres", "postgres")
        self._run(f"{PG_BIN}/initdb -D {self.data} -A trust -U knee --no-sync -E UTF8")

    def _run(self, command: str) -> None:
        argv = ["su", "postgres", "-c", command] if os.geteuid() == 0 else ["sh", "-c", command]
        subprocess.run(argv, check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(f"{PG_BIN}/pg_ctl -D {self.data} -o '{options}' -l {self.data}/log -w start")

    def stop(self) -> None:
        self._run(f"{PG_BIN}/pg_ctl -D {self.data} -m fast -w stop")

    def remove(self) -> None:
        subprocess.run(
            ["su", "postgres", "-c", f"{PG_BIN}/pg_ctl -D {self.data} -m immediate stop"]
            if os.geteuid() == 0
            else [f"{PG_BIN}/pg_ctl", "-D", str(self.data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(self.data, ignore_errors=True)


@pytest.fixture
def throwaway_postgres() -> Iterator[Cluster]:
    require_postgres()  # runs where PostgreSQL tests run (CI), skips elsewhere
    if not (PG_BIN / "initdb").exists():
        pytest.fail(f"PostgreSQL 15 binaries not found in {PG_BIN}")
    cluster = Cluster()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.remove()
