"""`make bench`: the floors and the service measured in the same run on this machine, printed
as a table with ratios. Needs the local PostgreSQL and Redis (like the integration tests); it
creates and drops a database of its own and uses Redis database 12.

The load comes from wrk (Debian's package) when it is installed, else from a Python
generator (asyncio + httpx) that saturates long before the servers do; either runs on the
same two cores as the servers, so the ratios, not the absolute figures, are what to read.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.cli import WORKER_OPTIONS  # noqa: E402
from tests.support import free_port, port_open, wait_for  # noqa: E402

PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgresql://postgres@127.0.0.1:5432")
DB_NAME = "referral_bench"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
DURATION = float(os.environ.get("BENCH_SECONDS", "5"))
WARM_UP = 3.0
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "16"))
WORKERS = "2"


def psycopg(url: str) -> str:
    return "postgresql+psycopg://" + url.split("://", 1)[1]


def admin(sql: str) -> None:
    engine = sa.create_engine(psycopg(PG_SERVER + "/postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(sql)
    engine.dispose()


def env() -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("REFERRAL_")}
    e.update(
        REFERRAL_DATABASE_URL=f"{PG_SERVER}/{DB_NAME}",
        REFERRAL_BROKER_URL=REDIS_URL,
        REFERRAL_INSTANCE_PATH="/tmp/referral-bench",
        REFERRAL_REDIS_URL=REDIS_URL,  # the rate limits count in Redis, as in production
        REFERRAL_LOGIN_MAX_FAILURES="1000000",
        REFERRAL_API_REQUESTS_PER_MINUTE="100000000",
        REFERRAL_API_ADDRESS_REQUESTS_PER_MINUTE="100000000",
        # The partner's webhook receiver of the bench runs on this machine.
        REFERRAL_WEBHOOK_ALLOWED_NETWORKS="127.0.0.0/8",
        BENCH_DATABASE_URL=psycopg(f"{PG_SERVER}/{DB_NAME}"),
    )
    return e


class Server:
    def __init__(self, target: str) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                WORKERS,
                "--threads",
                "4",
                "--log-level",
                "warning",
                target,
            ],
            cwd=ROOT,
            env=env(),
        )
        wait_for(lambda: port_open(self.port), timeout=60, message=target)
        self.base = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)


def measured(method: str, url: str, *, headers=None, body=None) -> dict:
    """A warm-up run (caches, prepared statements, connection pools), then three runs; the
    run of median throughput is reported."""
    load(method, url, headers=headers, body=body, seconds=WARM_UP)
    runs = [load(method, url, headers=headers, body=body) for _ in range(3)]
    return sorted(runs, key=lambda r: r["rps"])[1]


def load(method: str, url: str, *, headers=None, body=None, seconds: float | None = None) -> dict:
    seconds = seconds or DURATION
    if shutil.which("wrk"):
        return wrk_load(method, url, headers=headers or {}, body=body, seconds=seconds)
    return asyncio.run(python_load(method, url, headers=headers, body=body, seconds=seconds))


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk_load(method: str, url: str, *, headers: dict, body=None, seconds: float) -> dict:
    payload = body(0, 0) if callable(body) else body
    lines = [f'wrk.method = "{method}"']
    for key, value in {
        **headers,
        **({"Content-Type": "application/json"} if payload else {}),
    }.items():
        lines.append(f'wrk.headers["{key}"] = "{value}"')
    if payload is not None:
        # \uXXXX escapes inside the JSON keep the Lua string literal plain ASCII.
        lines.append(f"wrk.body = {json.dumps(json.dumps(payload))}")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write("\n".join(lines) + "\n")
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{CONCURRENCY}",
            f"-d{int(seconds)}s",
            "--latency",
            "-s",
            script.name,
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(script.name)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(re.search(r"\s50%\s+(\S+)", out).group(1)),
        "p99": _ms(re.search(r"\s99%\s+(\S+)", out).group(1)),
        "errors": int(errors.group(1)) if errors else 0,
    }


async def python_load(method: str, url: str, *, headers=None, body=None, seconds: float) -> dict:
    """As many requests as CONCURRENCY clients manage in ``seconds``."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def one_client(n: int) -> None:
            nonlocal errors
            i = 0
            while time.perf_counter() < deadline:
                i += 1
                payload = body(n, i) if callable(body) else body
                start = time.perf_counter()
                response = await client.request(method, url, headers=headers, json=payload)
                latencies.append(time.perf_counter() - start)
                if response.status_code >= 400:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(one_client(n) for n in range(CONCURRENCY)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "errors": errors,
    }


WORKER_COMMAND = [
    sys.executable,
    "-m",
    "celery",
    "-A",
    "workers.app",
    "worker",
    "--loglevel",
    "INFO",
    *WORKER_OPTIONS,
    # as compose's pool for e-mail and webhooks (this one worker takes both queues)
    "--concurrency",
    "8",
]


def service_app():
    """The service's app in this process, on the bench's database (to set it up)."""
    from unittest import mock

    from config import Settings
    from service import create_app

    with mock.patch.dict(os.environ, env(), clear=True):
        app = create_app(Settings())
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request of the bench
    return app


def start_worker(log: Path) -> tuple[subprocess.Popen, float]:
    """A worker as compose runs it (both queues); returns it and the seconds until it was
    ready (from the start of the process to Celery's "ready." line)."""
    out = open(log, "wb")  # noqa: SIM115 - closed with the worker
    started = time.monotonic()
    worker = subprocess.Popen(WORKER_COMMAND, cwd=ROOT, env=env(), stdout=out, stderr=out)
    wait_for(
        lambda: b"ready." in log.read_bytes() or worker.poll() is not None,
        timeout=120,
        interval=0.02,
        message="the worker to be ready",
    )
    if worker.poll() is not None:
        raise RuntimeError("worker exited:\n" + log.read_text(errors="replace")[-2000:])
    return worker, time.monotonic() - started


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (MB)."""
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    total = 0
    for p in pids:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def worker_start() -> dict:
    """A cold worker's start (median of three) and its memory once it has worked."""
    runs, rss = [], 0.0
    for _ in range(3):
        with tempfile.TemporaryDirectory() as folder:
            worker, seconds = start_worker(Path(folder) / "worker.log")
            time.sleep(2)
            rss = max(rss, rss_mb(worker.pid))
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=60)
            runs.append(seconds)
    return {"start_s": statistics.median(runs), "rss_mb": rss}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def delivery_latency(base: str, token_of, rate: float = 15.0, count: int = 150) -> dict:
    """Commit → partner inbox and commit → partner webhook at ``rate`` filings a second, the
    partner's webhook answering in 0.3 s, one worker running: each filing's response marks
    its commit; a client polling the partner's inbox every 20 ms marks when it is there."""
    from tests.receivers import WebhookReceiver, configure

    with WebhookReceiver(delay=0.3) as receiver, tempfile.TemporaryDirectory() as folder:
        client = httpx.Client(timeout=30)
        configure(service_app(), "shifang", webhook_url=receiver.url)
        worker, _seconds = start_worker(Path(folder) / "worker.log")
        filer, partner = token_of("jinniu-clerk"), token_of("shifang-clerk")
        committed: dict[int, float] = {}
        seen: dict[int, float] = {}
        filing = threading.Event()
        filing.set()

        def poll() -> None:
            poller = httpx.Client(timeout=30)
            while filing.is_set() or len(seen) < len(committed):
                page = poller.get(f"{base}/api/v1/inbox?limit=50", headers=partner).json()
                now = time.time()
                for item in page["items"]:
                    seen.setdefault(item["case_id"], now)
                time.sleep(0.02)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        try:
            started = time.monotonic()
            for i in range(count):
                response = client.post(
                    f"{base}/api/v1/cases",
                    headers=filer,
                    json={"kind": "general", "receiving_office": "shifang", "title": f"延迟 {i}"},
                )
                committed[response.json()["id"]] = time.time()
                time.sleep(max(0.0, started + (i + 1) / rate - time.monotonic()))
            filing.clear()
            wait_for(
                lambda: len(receiver.accepted()) >= count and len(seen) >= count,
                timeout=180,
                interval=0.2,
                message="every inbox item and webhook",
            )
            rss = rss_mb(worker.pid)
        finally:
            filing.clear()
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=60)
    inbox = [max(0.0, seen[c] - t) for c, t in committed.items()]
    first_hit = {}
    for hit in receiver.hits:
        case_id = hit.payload["case"]["id"]
        first_hit[case_id] = min(first_hit.get(case_id, hit.received_at), hit.received_at)
    webhook = [max(0.0, first_hit[c] - t) for c, t in committed.items()]
    return {
        "inbox_p50": statistics.median(inbox) * 1000,
        "inbox_p99": percentile(inbox, 0.99) * 1000,
        "webhook_p50": statistics.median(webhook) * 1000,
        "webhook_p99": percentile(webhook, 0.99) * 1000,
        "rate": rate,
        "count": count,
        "worker_rss_mb": rss,
    }


def batch_sheet(count: int, start: int = 0) -> bytes:
    """A filled-in batch template (XLSX) of ``count`` people moving from 金牛 to 什邡 (people
    ``start`` … ``start + count - 1``: every sheet of a run has people of its own)."""
    import io
    from datetime import date, timedelta

    from openpyxl import Workbook

    from service.identifiers import id_check_char

    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "公民身份号码", "转出地险种", "转入地险种", "中止参保日期", "转移原因"])
    suspended = (date.today() - timedelta(days=3)).isoformat()
    for n in range(start, start + count):
        first17 = f"510106{date(1980, 1, 1) + timedelta(days=n):%Y%m%d}{n % 1000:03d}"
        sheet.append(
            [f"员工{n}", first17 + id_check_char(first17), "职工", "职工", suspended, "就业"]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def batch_transfer(base: str, rows: int = 1000, start: int = 0) -> dict:
    """Upload a sheet of ``rows`` people as the web page does, then file it slice by slice as
    the page's progress bar does (two calls in flight): seconds to check and seconds to file."""
    web = httpx.Client(base_url=base, timeout=120, follow_redirects=False)

    def token(path: str) -> str:
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', web.get(path).text).group(1)

    web.post(
        "/login",
        data={
            "username": "shifang-clerk",
            "password": "demo-pass-2026",
            "csrf_token": token("/login"),
        },
    )
    sheet = batch_sheet(rows, start)
    started = time.perf_counter()
    checked = web.post(
        "/transfers/batches",
        data={
            "transfer_out_office": "jinniu",
            "transfer_in_office": "shifang",
            "csrf_token": token("/transfers/batches"),
        },
        files={"file": ("staff.xlsx", sheet)},
    )
    check_s = time.perf_counter() - started
    batch = checked.headers["Location"]
    csrf = token(batch)
    states = []

    def keep_filing() -> None:  # as the page's script does: until a call handles no row
        with httpx.Client(base_url=base, timeout=120, cookies=web.cookies) as own:
            while True:
                state = own.post(
                    f"{batch}/file", headers={"Accept": "application/json", "X-CSRFToken": csrf}
                ).json()
                states.append(state)
                if not (state["pending"] and state["handled"]):
                    return

    started = time.perf_counter()
    loops = [threading.Thread(target=keep_filing) for _ in range(2)]
    for loop in loops:
        loop.start()
    for loop in loops:
        loop.join()
    file_s = time.perf_counter() - started
    web.close()
    filed = max(state["filed"] for state in states)
    return {"rows": rows, "filed": filed, "check_s": check_s, "file_s": file_s}


def main() -> None:
    import redis

    admin(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{DB_NAME}"')
    redis.Redis.from_url(REDIS_URL).flushdb()
    subprocess.run(
        [sys.executable, "-m", "service.cli", "init", "--demo"],
        cwd=ROOT,
        env=env(),
        check=True,
        capture_output=True,
    )
    engine = sa.create_engine(psycopg(f"{PG_SERVER}/{DB_NAME}"))
    from bench.floors import BenchRow

    BenchRow.__table__.create(engine)
    engine.dispose()

    rows = []
    floor = Server("bench.floors:create_floor_app()")
    try:
        json_floor = measured("GET", f"{floor.base}/json")
        insert_floor = measured(
            "POST", f"{floor.base}/insert", body=lambda n, i: {"title": f"floor {n}-{i}"}
        )
    finally:
        floor.stop()

    app = Server("service.wsgi:app")
    try:
        client = httpx.Client(timeout=30)

        def token_of(username: str) -> dict:
            response = client.post(
                f"{app.base}/api/v1/auth/token",
                json={"username": username, "password": "demo-pass-2026"},
            )
            return {"Authorization": f"Bearer {response.json()['access_token']}"}

        headers = token_of("jinniu-clerk")
        offices = measured("GET", f"{app.base}/api/v1/offices", headers=headers)
        filing = measured(
            "POST",
            f"{app.base}/api/v1/cases",
            headers=headers,
            body=lambda n, i: {
                "kind": "general",
                "receiving_office": "shifang",
                "title": f"压测 {n}-{i}",
            },
        )
        listing = measured("GET", f"{app.base}/api/v1/cases?limit=20", headers=headers)
        round_trip = delivery_latency(app.base, token_of)
        worker = worker_start()
        # a warm-up batch, then three of different people; the median one is reported
        batch_transfer(app.base, rows=200, start=3000)
        batches = sorted(
            (batch_transfer(app.base, start=run * 1000) for run in range(3)),
            key=lambda b: b["check_s"] + b["file_s"],
        )
        batch = batches[1]
    finally:
        app.stop()
        admin(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        redis.Redis.from_url(REDIS_URL).flushdb()

    rows = [
        ("floor: plain Flask JSON", json_floor, None),
        ("floor: one ORM insert per request", insert_floor, None),
        ("GET /api/v1/offices (auth + one query)", offices, json_floor),
        ("POST /api/v1/cases (case + event + audit + outbox)", filing, insert_floor),
        ("GET /api/v1/cases?limit=20 (visibility filter)", listing, json_floor),
    ]
    generator = "wrk -t2" if shutil.which("wrk") else "Python asyncio clients"
    print(
        f"\nload: {generator}, {CONCURRENCY} connections, {WARM_UP:.0f} s of warm-up, then the "
        f"median of three runs of {DURATION:.0f} s; gunicorn {WORKERS} workers × 4 threads for "
        "floors and service alike; same 2 cores\n"
    )
    print(f"{'measurement':55} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'ratio':>7}")
    for name, r, base in rows:
        ratio = f"{r['rps'] / base['rps']:.2f}" if base else "1.00"
        print(
            f"{name:55} {r['rps']:8.0f} {r['p50']:8.1f} {r['p99']:8.1f} {r['errors']:7d} {ratio:>7}"
        )
    ratio = filing["rps"] / insert_floor["rps"]
    print(
        f"\nfiling: {ratio:.2f} of the one-insert floor (target ≥ 0.50: "
        f"{'met' if ratio >= 0.5 else 'missed'}), p99 {filing['p99']:.0f} ms (target ≤ 50 ms: "
        f"{'met' if filing['p99'] <= 50 else 'missed'})"
    )
    print(
        f"commit → partner inbox, {round_trip['count']} filings at {round_trip['rate']:.0f}/s, "
        f"the partner's webhook answering in 0.3 s, one worker: p50 "
        f"{round_trip['inbox_p50']:.0f} ms, p99 {round_trip['inbox_p99']:.0f} ms (target p99 ≤ "
        f"1000 ms: {'met' if round_trip['inbox_p99'] <= 1000 else 'missed'}; the inbox is polled "
        f"every 20 ms); commit → partner webhook: p50 {round_trip['webhook_p50']:.0f} ms, p99 "
        f"{round_trip['webhook_p99']:.0f} ms"
    )
    print(
        f"worker: ready {worker['start_s']:.1f} s after it is started (median of 3; target < 3 s: "
        f"{'met' if worker['start_s'] < 3 else 'missed'}), {worker['rss_mb']:.0f} MB resident "
        f"idle, {round_trip['worker_rss_mb']:.0f} MB after the deliveries (target ≤ 150 MB: "
        f"{'met' if max(worker['rss_mb'], round_trip['worker_rss_mb']) <= 150 else 'missed'})"
    )
    total = batch["check_s"] + batch["file_s"]
    print(
        f"batch transfer of {batch['rows']} rows (web upload, then filed 50 a request, two "
        "requests in flight; median of 3): "
        f"checked in {batch['check_s']:.1f} s, {batch['filed']} filed in {batch['file_s']:.1f} s, "
        f"total {total:.1f} s (target < 10 s: {'met' if total < 10 else 'missed'})"
    )


if __name__ == "__main__":
    main()
