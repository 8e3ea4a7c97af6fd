"""The embedded default as `make run` starts it: SQLite + filesystem queue + worker + beat."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support import PASSWORD, ROOT, free_port, port_open, wait_for

# A loaded 2-core machine may take a while to answer the first requests; that is not a failure.
http = httpx.Client(timeout=30)


def _processes_mentioning(*markers: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if any(marker in cmdline for marker in markers) and int(entry.name) != os.getpid():
            found.append(int(entry.name))
    return found


def test_embedded_service_runs_the_whole_flow_and_stops_cleanly(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REFERRAL_")}
    env.update(
        REFERRAL_INSTANCE_PATH=str(tmp_path / "instance"),
        REFERRAL_PORT=str(port),
        REFERRAL_RELAY_INTERVAL_SECONDS="2",
    )
    referral = [sys.executable, "-m", "service.cli"]
    init = subprocess.run(
        [*referral, "init", "--demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert init.returncode == 0, init.stderr
    assert "jinniu-clerk" in init.stdout and PASSWORD in init.stdout
    assert (tmp_path / "instance" / "referral.db").exists()

    log = open(tmp_path / "run.log", "wb")  # noqa: SIM115
    run = subprocess.Popen(
        [*referral, "run", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: port_open(port), timeout=60, message="the web server")
        base = f"http://127.0.0.1:{port}"
        assert "登录" in http.get(f"{base}/login").text

        def token(username: str) -> dict:
            response = http.post(
                f"{base}/api/v1/auth/token", json={"username": username, "password": PASSWORD}
            )
            assert response.status_code == 200
            return {"Authorization": f"Bearer {response.json()['access_token']}"}

        jinniu, shifang = token("jinniu-clerk"), token("shifang-clerk")
        created = http.post(
            f"{base}/api/v1/cases",
            headers=jinniu,
            json={"kind": "general", "receiving_office": "shifang", "title": "嵌入模式请求"},
        )
        assert created.status_code == 201
        case_id = created.json()["id"]

        def in_inbox(headers: dict, event: str) -> bool:
            items = http.get(f"{base}/api/v1/inbox", headers=headers).json()["items"]
            return any(i["case_id"] == case_id and i["event"] == event for i in items)

        wait_for(
            lambda: in_inbox(shifang, "case.requested"),
            timeout=30,
            message="filesystem queue delivery",
        )
        accepted = http.post(
            f"{base}/api/v1/cases/{case_id}/actions/accept", headers=shifang, json={}
        )
        assert accepted.json()["status"] == "accepted"
        wait_for(lambda: in_inbox(jinniu, "case.accepted"), timeout=30, message="the answer")
        assert (tmp_path / "instance" / "queue").is_dir()
    finally:
        run.send_signal(signal.SIGINT)  # what Ctrl-C sends
        code = run.wait(timeout=60)
        log.close()
    assert code == 0, (tmp_path / "run.log").read_text(errors="replace")[-3000:]
    assert not port_open(port)
    assert _processes_mentioning(f"127.0.0.1:{port}", str(tmp_path)) == []
