"""A private PostgreSQL cluster for the tests: Debian's server binaries, a temporary data directory, loopback only.

`initdb` refuses to run as root, so as root the cluster belongs to the `postgres` system user (`runuser`); as anyone
else it belongs to that user. Trust authentication is safe here because the server listens on 127.0.0.1 and on a
Unix socket inside the temporary directory only. fsync is off: the data is thrown away after the run, and only a
crash of the whole machine (never of the server alone) could lose a commit.
"""

from __future__ import annotations

import atexit
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.anvil import free_port

SUPERUSER = "postgres"
BINARY_ROOT = Path("/usr/lib/postgresql")


class PostgresError(RuntimeError):
    pass


def find_bindir() -> Path:
    """The newest server installed under /usr/lib/postgresql (Debian's layout), else the one on PATH."""
    versions = sorted((p for p in BINARY_ROOT.glob("*/bin") if (p / "initdb").exists()),
                      key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    if versions:
        return versions[-1]
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise PostgresError("PostgreSQL's server (initdb, pg_ctl) is not installed: run `make test`, which installs "
                        "the Debian package `postgresql`")


@dataclass
class PostgresServer:
    root: Path
    bindir: Path
    port: int
    run_as: str | None  # the system user owning the cluster when the tests run as root
    startup_seconds: float = 0.0  # initdb not included
    _stopped: bool = field(default=False, repr=False)

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def conninfo(self, database: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname={database} connect_timeout=5"

    def execute(self, sql: str) -> None:
        """Run one statement outside a transaction (CREATE/DROP DATABASE) on the maintenance database."""
        import psycopg

        with psycopg.connect(self.conninfo(), autocommit=True) as connection:
            connection.execute(sql.encode())

    def create_database(self, prefix: str = "t") -> str:
        """A new, empty database; its name."""
        name = f"{re.sub(r'[^a-z0-9_]', '_', prefix.lower())[:40]}_{uuid.uuid4().hex[:8]}"
        self.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        if not self._stopped:
            self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    def start(self) -> None:
        """Start the server (again, after `stop`) on its port; PostgresError with the server's log if it fails."""
        self.log.unlink(missing_ok=True)
        started = time.monotonic()
        result = _run([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "30",
                       "start"], self.run_as, self.root, check=False)
        if result.returncode != 0:
            self._kill_postmaster()
            log = self.log.read_text(errors="replace") if self.log.exists() else result.stderr
            raise PostgresError(f"PostgreSQL did not start: {log.strip()[-800:]}")
        self.startup_seconds = time.monotonic() - started
        self._stopped = False

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (mode fast, or immediate: as if it crashed). The data directory stays until `remove`."""
        if self._stopped:
            return
        self._stopped = True
        result = _run([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "20", "stop"],
                      self.run_as, self.root, check=False)
        if result.returncode != 0:
            self._kill_postmaster()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def _kill_postmaster(self) -> None:
        try:
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
            os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError, IndexError):
            pass


def _run(command: list[str], user: str | None, cwd: Path, *, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a server program, as `user` when given (through runuser), in `cwd` (which that user can enter)."""
    program = Path(command[0]).name
    if user is not None:
        command = ["runuser", "-u", user, "--", *command]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(LC_ALL="C", LANG="C")
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    if check and result.returncode != 0:
        output = (result.stderr or result.stdout).strip()[-600:]
        raise PostgresError(f"{program} failed ({result.returncode}): {output}")
    return result


def start_postgres(**settings: str) -> PostgresServer:
    """Create and start a private cluster on a free loopback port; `settings` are extra server settings.

    Raises PostgresError, with the server's own words, when it cannot be started."""
    bindir = find_bindir()
    run_as: str | None = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SUPERUSER)
        except KeyError:
            raise PostgresError("the tests run as root and there is no `postgres` system user to own the cluster "
                                "(the Debian package `postgresql` creates it)") from None
        run_as = SUPERUSER
    root = Path(tempfile.mkdtemp(prefix="custos-pg-"))
    try:
        if run_as is not None:
            shutil.chown(root, run_as, run_as)
        _run([str(bindir / "initdb"), "-D", str(root / "data"), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8",
              "--locale=C", "--no-sync", "--no-instructions"], run_as, root)
        (root / "data" / "pg_hba.conf").write_text(
            "local all all trust\nhost all all 127.0.0.1/32 trust\n", encoding="utf-8")
        server = _start(root, bindir, run_as, settings)
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    atexit.register(server.remove)  # if the fixture's own teardown never runs
    return server


def _start(root: Path, bindir: Path, run_as: str | None, settings: dict[str, str]) -> PostgresServer:
    options = {
        "listen_addresses": "127.0.0.1",
        "unix_socket_directories": str(root),
        # The OS keeps what the server wrote (it is not flushed to disk, the data is thrown away anyway), so a
        # commit survives the server being killed, as in production; synchronous_commit stays on for that.
        "fsync": "off",
        "full_page_writes": "off",
        "shared_buffers": "32MB",
        "max_connections": "60",
        **settings,
    }
    for attempt in range(3):  # another process may take the free port before the server binds it
        port = free_port()
        server = PostgresServer(root=root, bindir=bindir, port=port, run_as=run_as)
        conf = "".join(f"{key} = '{value}'\n" for key, value in {**options, "port": str(port)}.items())
        (root / "data" / "postgresql.auto.conf").write_text(conf, encoding="utf-8")
        try:
            server.start()
        except PostgresError as error:
            if attempt == 2 or ("could not bind" not in str(error) and "already in use" not in str(error)):
                raise
        else:
            return server
    raise AssertionError("unreachable")

