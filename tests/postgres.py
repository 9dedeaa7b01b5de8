"""A throw-away PostgreSQL cluster for tests and CI: initdb + pg_ctl in a folder, listening on a Unix socket only.

    python -m tests.postgres start FOLDER    prints the server's URL (for REELPULSE_TEST_PG_URL)
    python -m tests.postgres stop FOLDER

PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user (Debian's package makes
it). The binaries are found on PATH or in Debian's /usr/lib/postgresql/*/bin.
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

SERVER_USER = "postgres"


class ClusterUnavailable(RuntimeError):
    pass


def binaries() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if debian:
        return Path(debian[-1]).parent
    raise ClusterUnavailable("PostgreSQL's server binaries are not installed (Debian: apt-get install postgresql)")


def _as_server_user(args: list[str]) -> list[str]:
    return ["runuser", "-u", SERVER_USER, "--", *args] if os.geteuid() == 0 else args


def _run(args: list[str]) -> None:
    done = subprocess.run(_as_server_user(args), capture_output=True, text=True)
    if done.returncode:
        raise ClusterUnavailable(f"{Path(args[0]).name} failed: {(done.stderr or done.stdout).strip()[-400:]}")


def start(folder: Path) -> str:
    """Create and start a cluster in `folder` (a new or empty folder); return a URL to its `postgres` database."""
    bin_dir, folder = binaries(), Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(folder, SERVER_USER)
    data, user = folder / "data", SERVER_USER if os.geteuid() == 0 else os.environ.get("USER", "postgres")
    _run([str(bin_dir / "initdb"), "-D", str(data), "-U", user, "--auth=trust", "-E", "UTF8", "--no-sync"])
    _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"), "-w", "-o",
          f"-c listen_addresses='' -c unix_socket_directories='{folder}' -c fsync=on -c max_connections=200", "start"])
    return f"postgresql://{user}@/postgres?host={folder}"


def stop(folder: Path) -> None:
    _run([str(binaries() / "pg_ctl"), "-D", str(Path(folder).resolve() / "data"), "-m", "immediate", "-w", "stop"])


def create_database(server_url: str) -> str:
    """A new empty database on the server; its URL."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.replace("/postgres?", f"/{name}?", 1)


def drop_database(server_url: str, url: str) -> None:
    import psycopg

    name = url.split("?", 1)[0].rsplit("/", 1)[1]
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    command, target = sys.argv[1], Path(sys.argv[2])
    try:
        print(start(target)) if command == "start" else stop(target)
    except ClusterUnavailable as err:
        sys.exit(f"postgres: {err}")
