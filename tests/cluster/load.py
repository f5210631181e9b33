"""Run the locust load test against a running cluster, optionally kill a server mid-run, check integrity.

    python -m tests.cluster.load --users 30 --time 60 [--kill-server 1 --kill-after 20]

Locust runs headless, on loopback, bounded three ways: users, conversations per user and
run time. Each user's messages go to random targets (the proxy and each server
directly), so one conversation's messages are handled by different servers. The record
of what was sent is then compared with PostgreSQL (``tests/cluster/integrity.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Optional

from deploy.cluster import REPO, Cluster
from tests.cluster.integrity import check

LOCUST = str(Path(sys.executable).parent / "locust")
OUTPUT = REPO / "test-output"


def run_load(cluster: Cluster, users: int, run_time_s: int, conversations_per_user: int = 3,
             kill_server: Optional[int] = None, kill_after_s: float = 20.0,
             name: str = "cluster-load") -> dict[str, Any]:
    """One bounded locust run; returns its figures, the kill's timing and the integrity report."""
    OUTPUT.mkdir(exist_ok=True)
    record = OUTPUT / f"{name}.jsonl"
    targets = [cluster.proxy_url] + [cluster.server_url(i) for i in range(cluster.servers)]
    env = {**os.environ, "PYTHONPATH": str(REPO), "LOAD_TARGETS": ",".join(targets), "LOAD_RECORD": str(record),
           "LOAD_CONVERSATIONS_PER_USER": str(conversations_per_user)}
    command = [LOCUST, "-f", str(REPO / "tests" / "cluster" / "locustfile.py"), "--headless", "--only-summary",
               "-u", str(users), "-r", str(max(1, users // 5)), "-t", f"{run_time_s}s", "--stop-timeout", "90",
               "--csv", str(OUTPUT / name), "--host", cluster.proxy_url]
    killed: dict[str, Any] = {}
    timer: Optional[threading.Timer] = None
    if kill_server is not None:
        def kill() -> None:
            killed["at_s"] = round(time.monotonic() - started, 1)
            cluster.kill_server(kill_server)
        timer = threading.Timer(kill_after_s, kill)
    started = time.monotonic()
    started_wall = time.time()
    if timer:
        timer.start()
    with open(OUTPUT / f"{name}-locust.log", "wb") as log:
        locust = subprocess.run(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                                timeout=run_time_s + 180)
    if timer:
        timer.cancel()
    elapsed = time.monotonic() - started
    entries = [json.loads(line) for line in record.read_text().splitlines() if line.strip()]
    report = check(record, cluster.database_url)
    answered_after_kill = None
    if killed:
        kill_wall = started_wall + killed["at_s"]
        answered_after_kill = sum(1 for entry in entries
                                  if entry.get("outcome") == "ok" and entry["sent_at"] > kill_wall)
    latencies = sorted(entry["latency_s"] for entry in entries if entry.get("outcome") == "ok")
    # Throughput over the time messages were actually in flight (users stop when their work is done).
    busy = (max(entry["sent_at"] + entry["latency_s"] for entry in entries) - min(entry["sent_at"] for entry in entries)
            if entries else 0.0)
    return {
        "users": users,
        "run_time_s": round(elapsed, 1),
        "busy_s": round(busy, 1),
        "locust_exit": locust.returncode,
        "turns_answered": len(latencies),
        "turns_per_s": round(len(latencies) / busy, 1) if busy else None,
        "p50_s": _quantile(latencies, 0.5),
        "p95_s": _quantile(latencies, 0.95),
        "max_s": latencies[-1] if latencies else None,
        "killed_server": kill_server if killed else None,
        "killed_at_s": killed.get("at_s"),
        "answered_after_kill": answered_after_kill,
        "integrity": report.summary(),
    }


def _quantile(values: list[float], share: float) -> Optional[float]:
    if not values:
        return None
    return round(values[min(len(values) - 1, int(share * len(values)))], 3)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--time", type=int, default=60, help="run time in seconds")
    parser.add_argument("--conversations", type=int, default=3, help="conversations per user")
    parser.add_argument("--kill-server", type=int, default=None)
    parser.add_argument("--kill-after", type=float, default=20.0)
    parser.add_argument("--port", type=int, default=int(os.environ.get("CLUSTER_PORT", "22100")))
    parser.add_argument("--servers", type=int, default=2)
    args = parser.parse_args(argv)
    cluster = Cluster(servers=args.servers, port=args.port)
    result = run_load(cluster, args.users, args.time, args.conversations, args.kill_server, args.kill_after)
    print(json.dumps(result, indent=1))
    return 0 if result["integrity"]["clean"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
