"""Speed and memory of this bot against Rasa's template bot, measured in the same run.

`make bench` prints, for both bots: training time, cold start (process start to the
first answered REST request), reply latency p50/p95 over a fixed conversation script
(at least 200 REST turns, one at a time), and resident memory of the Rasa server (and of
our action server), then the ratios; under load, turns/s and p50/p95/p99 latency with
1, 10, 30 and 100 concurrent users (``bench/load.py``), and the first against the 100th
turn of one conversation; then this bot as 1 and 2 servers behind nginx with PostgreSQL
and Redis (``deploy/cluster.py``); and the red-flag detector's time per message. The
template bot is the one `rasa init --no-prompt` creates (DIET + TED), trained here from
scratch. Our server runs as `make run` does (SQLite, in-memory locks). Figures are
written to test-output/bench.json as well. Nothing is asserted: these are measurements.

Environment: BENCH_LEVELS (default "1,10,30,100"), BENCH_SECONDS per level (default 20),
BENCH_CLUSTER=0 to skip the 1-vs-2-servers part, BENCH_PORT (default 22200).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Optional

from bench.detector import measure as measure_detector
from bench.load import SCRIPT, concurrency, first_and_last_turns
from tests.servers import stop, wait_until_up

REPO = Path(__file__).resolve().parent.parent
RASA = str(Path(sys.executable).parent / "rasa")
OUTPUT = REPO / "test-output"

MIN_TURNS = 200
LEVELS = [int(level) for level in os.environ.get("BENCH_LEVELS", "1,10,30,100").split(",") if level.strip()]
LEVEL_SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))
PORT = int(os.environ.get("BENCH_PORT", "22200"))


def rss_kib(pid: int) -> int:
    """Resident memory of a process and its children, in KiB (from /proc)."""
    total = 0
    pids = [pid]
    try:
        children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
        pids += [int(child) for child in children]
    except FileNotFoundError:
        pass
    for each in pids:
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total


def post(url: str, sender: str, text: str, timeout: float = 60) -> Optional[list]:
    data = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read().decode())
    except (urllib.error.URLError, ConnectionError, OSError):
        return None


def timed_training(command: list[str], cwd: Path, cache: Path) -> float:
    """Wall time of a training from scratch: an empty Rasa training cache of its own."""
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**_env(), "RASA_CACHE_DIRECTORY": str(cache)})
    return time.perf_counter() - start


def _env() -> dict[str, str]:
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(REPO)}


def serve_and_measure(name: str, cwd: Path, model: Path, port: int, extra: list[str]) -> dict[str, Any]:
    """Cold start, latency over the script and memory of one bot."""
    webhook = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
    log = OUTPUT / f"bench-{name}.log"
    start = time.perf_counter()
    process = subprocess.Popen([RASA, "run", "--port", str(port), "--model", str(model), *extra], cwd=cwd,
                               env=_env(), stdout=open(log, "wb"), stderr=subprocess.STDOUT)
    try:
        while post(webhook, "cold-start", "hello", timeout=5) in (None, []):
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited; see {log}")
            if time.perf_counter() - start > 300:
                raise RuntimeError(f"{name} not answering after 300 s; see {log}")
            time.sleep(0.2)
        cold_start = time.perf_counter() - start
        latencies: list[float] = []
        round_number = 0
        while len(latencies) < MIN_TURNS:
            for index, conversation in enumerate(SCRIPT):
                sender = f"bench-{round_number}-{index}"
                for text in conversation:
                    began = time.perf_counter()
                    replies = post(webhook, sender, text)
                    latencies.append(time.perf_counter() - began)
                    if replies is None:
                        raise RuntimeError(f"{name}: no answer to {text!r}")
            round_number += 1
        quantiles = statistics.quantiles(latencies, n=100)
        figures: dict[str, Any] = {
            "cold_start_s": round(cold_start, 2),
            "turns": len(latencies),
            "latency_p50_ms": round(quantiles[49] * 1000, 1),
            "latency_p95_ms": round(quantiles[94] * 1000, 1),
            "rss_mib": round(rss_kib(process.pid) / 1024, 1),
        }
        figures["load"] = {str(users): concurrency(webhook, users, LEVEL_SECONDS) for users in LEVELS}
        figures["rss_after_load_mib"] = round(rss_kib(process.pid) / 1024, 1)
        figures["long_conversation"] = first_and_last_turns(webhook)
        return figures
    finally:
        stop(process)


def measure_ours(workdir: Path) -> dict[str, Any]:
    models = workdir / "ours-models"
    training = timed_training([RASA, "train", "--force", "--out", str(models)], REPO, workdir / "cache-ours")
    actions_log = OUTPUT / "bench-actions.log"
    actions = subprocess.Popen([RASA, "run", "actions", "--port", str(PORT + 1)], cwd=REPO, env=_env(),
                               stdout=open(actions_log, "wb"), stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"http://127.0.0.1:{PORT + 1}/health", actions, actions_log)
        endpoints = workdir / "endpoints.yml"
        endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{PORT + 1}/webhook"\n'
                             "tracker_store:\n  type: bot.tracker_store.UrlSQLTrackerStore\n"
                             f"  url: sqlite:///{workdir / 'bench.db'}\n"
                             "lock_store:\n  type: bot.lock_store.ConversationLockStore\n")
        figures = serve_and_measure("ours", REPO, models, PORT, ["--endpoints", str(endpoints)])
        figures["action_server_rss_mib"] = round(rss_kib(actions.pid) / 1024, 1)
    finally:
        stop(actions)
    figures["training_s"] = round(training, 1)
    return figures


def measure_template(workdir: Path) -> dict[str, Any]:
    project = workdir / "template"
    project.mkdir()
    # `rasa init --no-prompt` also trains; we time a separate forced training instead.
    subprocess.run([RASA, "init", "--no-prompt", "--init-dir", str(project)], cwd=project, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env())
    shutil.rmtree(project / "models", ignore_errors=True)
    training = timed_training([RASA, "train", "--force", "--out", "models"], project, workdir / "cache-template")
    figures = serve_and_measure("template", project, project / "models", PORT + 5, [])
    figures["training_s"] = round(training, 1)
    return figures


CLUSTER_LEVELS = [users for users in (30, 100) if users in LEVELS] or LEVELS[-1:]


def measure_cluster(servers: int) -> dict[str, Any]:
    """This bot as ``servers`` Rasa servers behind nginx, PostgreSQL and Redis (make cluster's topology)."""
    from deploy.cluster import Cluster

    workdir = REPO / ".cluster" / f"bench-{servers}"
    shutil.rmtree(workdir, ignore_errors=True)
    cluster = Cluster(servers=servers, port=PORT + 100, workdir=workdir)
    try:
        cluster.start()
        webhook = f"{cluster.proxy_url}/webhooks/rest/webhook"
        return {str(users): concurrency(webhook, users, LEVEL_SECONDS) for users in CLUSTER_LEVELS}
    finally:
        cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def print_load(ours: dict[str, Any], template: dict[str, Any]) -> None:
    print(f"\nUnder load (closed loop, {LEVEL_SECONDS:.0f} s per level): ours | template")
    print(f"{'users':>6}{'turns/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  |{'turns/s':>9}{'p50 ms':>9}"
          f"{'p95 ms':>9}{'p99 ms':>9}  |{'x turns/s':>10}{'x p95':>7}")
    for users in LEVELS:
        a, b = ours["load"][str(users)], template["load"][str(users)]
        ratio = round(a["turns_per_s"] / b["turns_per_s"], 2) if b["turns_per_s"] else ""
        p95 = round(a["p95_ms"] / b["p95_ms"], 2) if b["p95_ms"] else ""
        print(f"{users:>6}{a['turns_per_s']:>10}{a['p50_ms']:>9}{a['p95_ms']:>9}{a['p99_ms']:>9}  |"
              f"{b['turns_per_s']:>9}{b['p50_ms']:>9}{b['p95_ms']:>9}{b['p99_ms']:>9}  |{ratio:>10}{p95:>7}")
    failed = {name: sum(level["failed"] for level in bot["load"].values()) for name, bot in
              (("ours", ours), ("template", template))}
    empty = {name: sum(level["empty"] for level in bot["load"].values()) for name, bot in
             (("ours", ours), ("template", template))}
    print(f"failed turns: ours {failed['ours']}, template {failed['template']}; answered 200 [] (no reply): "
          f"ours {empty['ours']}, template {empty['template']} (the template has no fallback)")
    for name, bot in (("ours", ours), ("template", template)):
        long = bot["long_conversation"]
        print(f"{name}: one conversation of {long['turns']} turns: turn 1 {long['turn_1_ms']} ms, turns 2-6 "
              f"{long['first_ms']} ms, turns 96-100 {long['last_ms']} ms (last/first {long['last_over_first']})")


def print_cluster(cluster: dict[str, Any]) -> None:
    print("\nThis bot behind nginx (PostgreSQL tracker store, Redis locks), same machine:")
    print(f"{'servers':>8}{'users':>7}{'turns/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'failed':>8}")
    for servers, levels in cluster.items():
        for users, figures in levels.items():
            print(f"{servers:>8}{users:>7}{figures['turns_per_s']:>10}{figures['p50_ms']:>9}{figures['p95_ms']:>9}"
                  f"{figures['p99_ms']:>9}{figures['failed']:>8}")


def main() -> int:
    OUTPUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="milia-bench-") as tmp:
        workdir = Path(tmp)
        ours = measure_ours(workdir)
        (OUTPUT / "bench-ours.json").write_text(json.dumps(ours, indent=2))  # kept if a later part fails
        template = measure_template(workdir)
        (OUTPUT / "bench-template.json").write_text(json.dumps(template, indent=2))
    cluster = ({str(servers): measure_cluster(servers) for servers in (1, 2)}
               if os.environ.get("BENCH_CLUSTER", "1") != "0" else {})
    ratios = {key: round(ours[key] / template[key], 2) for key in
              ("training_s", "cold_start_s", "latency_p50_ms", "latency_p95_ms", "rss_mib") if template.get(key)}
    detector = measure_detector()
    result = {"machine": {"cpus": os.cpu_count()}, "ours": ours, "template": template, "ours_over_template": ratios,
              "cluster": cluster, "red_flag_detector": detector}
    (OUTPUT / "bench.json").write_text(json.dumps(result, indent=2))
    print(f"{'figure':<22}{'ours':>12}{'template':>12}{'ratio':>8}")
    for key in ("training_s", "cold_start_s", "latency_p50_ms", "latency_p95_ms", "rss_mib"):
        print(f"{key:<22}{ours[key]:>12}{template[key]:>12}{ratios.get(key, ''):>8}")
    print(f"{'turns':<22}{ours['turns']:>12}{template['turns']:>12}")
    print(f"action server RSS (ours only): {ours['action_server_rss_mib']} MiB")
    print_load(ours, template)
    if cluster:
        print_cluster(cluster)
    print(f"red-flag detector: median {detector['median_ms']} ms, mean {detector['mean_ms']} ms per message "
          f"({detector['messages']} phrases, spaCy tokenizing excluded)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
