"""Helpers shared by the tests: free ports, waiting, starting real workers and redis servers."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from service.cli import WORKER_OPTIONS

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "demo-pass-2026"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(
    predicate: Callable[[], object],
    timeout: float = 20.0,
    interval: float = 0.1,
    message: str = "condition",
) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def settings_env(settings) -> dict[str, str]:
    """The environment that makes a child process use the same settings (every one of them)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REFERRAL_")}
    for name in type(settings).model_fields:
        env[f"REFERRAL_{name.upper()}"] = str(getattr(settings, name))
    return env


class Worker:
    """A real ``celery worker`` process (optionally with beat) using the given settings."""

    def __init__(self, settings, *, beat: bool = False, log: Path) -> None:
        self.settings = settings
        self.beat = beat
        self.log_path = log
        self.proc: subprocess.Popen | None = None

    def start(self) -> Worker:
        cmd = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "workers.app",
            "worker",
            "--loglevel",
            "INFO",
            "--pool",
            "threads",
            "--concurrency",
            "2",
            *WORKER_OPTIONS,
            "-n",
            f"test-{os.getpid()}-{time.monotonic_ns()}@%h",
        ]
        if self.beat:
            cmd += ["--beat", "--schedule", str(self.settings.instance_path / "beat-schedule")]
        self._log = open(self.log_path, "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=settings_env(self.settings),
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        wait_for(
            lambda: b"ready." in self.log_path.read_bytes() or self.proc.poll() is not None,
            timeout=60,
            message="the worker to be ready",
        )
        if self.proc.poll() is not None:
            raise RuntimeError(
                "worker exited:\n" + self.log_path.read_text(errors="replace")[-4000:]
            )
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self._log.close()

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class RedisServer:
    """A redis-server of the test's own on a free port, in a temporary folder."""

    def __init__(self, folder: Path, port: int | None = None) -> None:
        self.folder = folder
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed")
        self.proc = subprocess.Popen(
            [
                binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: port_open(self.port), timeout=10, message="redis-server")
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


class PostgresServer:
    """A PostgreSQL cluster of the test's own on a free port (trust auth, user ``postgres``),
    made with the machine's initdb; run as the ``postgres`` user when the tests run as root."""

    def __init__(self, port: int | None = None) -> None:
        # its own folder under /tmp: the postgres user cannot enter pytest's (root's) folders
        self.folder = Path(tempfile.mkdtemp(prefix="referral-pg-"))
        self.data = self.folder / "data"
        self.port = port or free_port()

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @staticmethod
    def _bin(name: str) -> str:
        found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
        if not found:
            raise RuntimeError(f"PostgreSQL's {name} is not installed")
        return str(found[-1])

    def _run(self, *cmd: str, timeout: float = 120) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run(
            [*prefix, *cmd], capture_output=True, text=True, timeout=timeout, cwd=self.folder
        )
        if done.returncode != 0:
            raise RuntimeError(f"{cmd[0]} failed: {done.stderr.strip() or done.stdout.strip()}")

    def init(self) -> PostgresServer:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run(self._bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust")
        return self

    def start(self) -> PostgresServer:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.folder / "server.log")  # the server must not hold our pipes open
        self._run(
            self._bin("pg_ctl"), "-D", str(self.data), "-l", log, "-o", options, "-w", "start"
        )
        return self

    def stop(self, mode: str = "fast") -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(self._bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        """Stop the cluster if it runs, and delete its files."""
        try:
            self.stop("immediate")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
