"""The benchmark's web servers and load: gunicorn nodes, wrk, peak memory, the machine, tables."""

from __future__ import annotations

import os
import platform
import re
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import django
from django.conf import settings
from django.db import connection

from enterprises.models import (
    Assignment,
    Department,
    DepartmentYtd,
    Enterprise,
    MonthlyReport,
    MonthlyYtd,
    Official,
    Target,
)
from hengkou.models import OpenRanking

from .common import PeakMemory, Throughput, is_postgresql

_WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _wrk_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip())
    if not match:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * _WRK_UNITS[match.group(2)]


def parse_wrk(output: str, *, key: str, name: str) -> Throughput:
    """Read requests, duration, requests/s, p50 and p99 and errors from ``wrk --latency``."""
    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s)", output)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    if not (done and rate and p50 and p99):
        raise ValueError(f"unexpected wrk output:\n{output}")
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    socket_errors = re.search(r"Socket errors: (.*)", output)
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\w+ (\d+)", socket_errors.group(1)))
    return Throughput(
        key=key,
        name=name,
        requests=int(done.group(1)),
        seconds=_wrk_ms(done.group(2) + done.group(3)) / 1000,
        requests_per_s=float(rate.group(1)),
        p50_ms=_wrk_ms(p50.group(1)),
        p99_ms=_wrk_ms(p99.group(1)),
        errors=errors,
    )


def vm_hwm_mib(pid: int) -> float | None:
    """Return the peak resident memory (VmHWM) of a process in MiB, None if unreadable."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _children(pid: int) -> list[int]:
    try:
        return [int(n) for n in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


WEB_APPLICATION_NAME = "hengkou-bench-web"


@dataclass(frozen=True)
class SharedCache:
    """A Redis for the load test's gunicorn (sessions, figures cache), under a key prefix of
    this run's own, removed at the end (``BENCH_REDIS_URL``, default the local Redis, db 0)."""

    url: str
    prefix: str

    @classmethod
    def find(cls) -> SharedCache | None:
        url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
        parsed = urllib.parse.urlparse(url)
        try:
            socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=1).close()
        except OSError:
            return None
        return cls(url=url, prefix=f"hengkou-bench-{os.getpid()}")

    def settings(self) -> dict:
        """Django settings that make this process use the same cache as the gunicorn: what
        ``REDIS_URL`` sets up (hengkou/settings.py), under this run's key prefix."""
        return {
            "CACHES": {
                "default": {
                    "BACKEND": "core.cache.DegradingRedisCache",
                    "LOCATION": self.url,
                    "KEY_PREFIX": self.prefix,
                    "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
                }
            },
            "SESSION_ENGINE": "django.contrib.sessions.backends.cached_db",
            "HENGKOU_FIGURES_CACHE_SECONDS": 300,
        }

    def clear(self) -> int:
        """Delete this run's keys; return how many."""
        import redis

        client = redis.Redis.from_url(self.url)
        keys = list(client.scan_iter(f"{self.prefix}:*"))
        if keys:
            client.delete(*keys)
        client.close()
        return len(keys)


class BenchServer:
    """gunicorn with DEBUG off and two sync workers on a free loopback port, on the bench's
    database (PostgreSQL: connections kept for the run and named, so their backends can be
    found; or the same SQLite file)."""

    def __init__(self, *, workers: int = 2, shared_cache: SharedCache | None = None):
        self.workers = workers
        self.shared_cache = shared_cache
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in __exit__
            prefix="hengkou-bench-gunicorn-", suffix=".log"
        )

    def environment(self) -> dict[str, str]:
        database = settings.DATABASES["default"]
        if database["ENGINE"].endswith("sqlite3"):
            url = f"sqlite:///{Path(database['NAME']).resolve()}"
        else:
            user = database.get("USER") or ""
            password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
            host = f"{database.get('HOST') or ''}:{database.get('PORT') or 5432}"
            url = f"postgres://{user}{password}@{host}/{database['NAME']}"
            url += f"?application_name={WEB_APPLICATION_NAME}"
        environment = {
            key: value
            for key, value in os.environ.items()
            if key not in ("REDIS_URL", "DJANGO_CACHE_PREFIX", "HENGKOU_FIGURES_CACHE_SECONDS")
        }
        if self.shared_cache is not None:
            environment["REDIS_URL"] = self.shared_cache.url
            environment["DJANGO_CACHE_PREFIX"] = self.shared_cache.prefix
        return {
            **environment,
            "DATABASE_URL": url,
            "DJANGO_DEBUG": "0",
            "DJANGO_SECURE": "0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_CONN_MAX_AGE": "3600",
            "DJANGO_LOG_LEVEL": "ERROR",
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "DJANGO_STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": str(self.workers),
            "GUNICORN_MAX_REQUESTS": "0",
            "GUNICORN_ACCESS_LOG": "/dev/null",
            "GUNICORN_ERROR_LOG": self.log.name,
            "GUNICORN_PROC_NAME": "hengkou-bench",
        }

    def __enter__(self):
        config = Path(settings.BASE_DIR) / "hengkou" / "deploy" / "gunicorn.conf.py"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(config)],
            env=self.environment(),
            cwd=settings.BASE_DIR,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"{self.url}/healthz/", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        log = Path(self.log.name).read_text()[-3000:]
        self.__exit__(None, None, None)
        raise RuntimeError(f"gunicorn did not start:\n{log}")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def get(self, path: str, *, cookie: str) -> int:
        request = urllib.request.Request(f"{self.url}{path}", headers={"Cookie": cookie})
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            return response.status

    def memory(self) -> list[PeakMemory]:
        """Peak memory of the gunicorn master, each worker and their PostgreSQL backends."""
        rows = [PeakMemory("gunicorn master", vm_hwm_mib(self.process.pid))]
        for n, pid in enumerate(_children(self.process.pid), start=1):
            rows.append(PeakMemory(f"gunicorn worker {n}", vm_hwm_mib(pid)))
        if not is_postgresql():
            return rows
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = %s ORDER BY pid",
                [WEB_APPLICATION_NAME],
            )
            backends = [pid for (pid,) in cursor.fetchall()]
        for n, pid in enumerate(backends, start=1):
            rows.append(PeakMemory(f"PostgreSQL backend of worker {n}", vm_hwm_mib(pid), SHARED))
        return rows


SHARED = "includes the shared buffers it touched"


def run_wrk(
    server: BenchServer,
    targets: list[tuple[str, str, str]],
    *,
    cookie: str,
    seconds: int,
    connections: int,
    log: Callable[[str], None],
) -> list[Throughput]:
    """Load each ``(key, name, path)`` with wrk for ``seconds``, one after the other."""
    results = []
    for key, name, path in targets:
        for _ in range(2):  # warm the workers' caches and connections
            server.get(path, cookie=cookie)
        command = [
            "wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s",
            "--timeout", "30s", "--latency", "-H", f"Cookie: {cookie}", f"{server.url}{path}",
        ]  # fmt: skip
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        result = parse_wrk(output, key=key, name=name)
        log(
            f"wrk {name}: {result.requests_per_s:.1f} requests/s, p50 {result.p50_ms:.1f} ms, "
            f"p99 {result.p99_ms:.1f} ms, {result.errors} errors"
        )
        results.append(result)
    return results


def peak_memory_mib() -> float:
    """Return the process's peak resident memory in MiB (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> dict[str, str]:
    """Return what the results depend on: CPUs, CPU model, PostgreSQL and software versions."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if is_postgresql() else "SELECT sqlite_version()")
        database = cursor.fetchone()[0]
    if not is_postgresql():
        database = f"{connection.display_name} {database}"
    try:
        with open("/proc/meminfo") as meminfo:
            memory = f"{int(meminfo.readline().split()[1]) / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        memory = "unknown"
    return {
        "CPUs (nproc)": str(len(os.sched_getaffinity(0))),
        "CPU model": cpu,
        "memory": memory,
        "database": database,
        "Python · Django": f"{platform.python_version()} · {django.get_version()}",
    }


def table_sizes() -> list[tuple[str, int, str]]:
    """Return each benchmarked table's row count and on-disk size (with indexes)."""
    sizes = []
    models = (Department, Official, Enterprise, Assignment, Target, MonthlyReport, MonthlyYtd)
    for model in (*models, DepartmentYtd, OpenRanking):
        size = ""
        if is_postgresql():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_total_relation_size(%s)", [model._meta.db_table])
                size = f"{cursor.fetchone()[0] / 1024 / 1024:.0f} MiB"
        sizes.append((model._meta.db_table, model.objects.count(), size))
    return sizes
