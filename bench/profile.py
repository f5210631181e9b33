"""Where a loaded server spends its time: `make profile`.

Serves the trained model as `make bench` does (SQLite store, the conversation lock
store, the action server), loads it with 30 concurrent users for 20 s, and samples the
Rasa process with py-spy meanwhile. Prints each named function's share of the samples
(inclusive: the function and what it calls), the figures README "Scaling" quotes.
"""

from __future__ import annotations

import collections
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.bench import PORT, RASA, REPO, _env, post
from bench.load import concurrency
from tests.servers import stop, wait_until_up

PY_SPY = str(Path(sys.executable).parent / "py-spy")
USERS, SECONDS = 30, 20.0
# The functions the README names, by (function, file).
WATCHED = [
    ("handle_message", "processor.py"), ("parse_message", "processor.py"), ("_run_prediction_loop", "processor.py"),
    ("retrieve", "tracker_store.py"), ("save", "tracker_store.py"), ("_insert", "tracker_store.py"),
    ("_last_id", "tracker_store.py"), ("_additional_events", "tracker_store.py"),
    ("process", "red_flag_detector.py"), ("process", "sign_suspicion.py"),
    ("process", "count_vectors_featurizer.py"), ("process", "classifiers.py"), ("_create_X", "classifiers.py"),
    ("predict_action_probabilities", "rule_policy.py"), ("_get_possible_keys", "rule_policy.py"),
    ("predict_action_probabilities", "memoization.py"),
]


def shares(raw: Path) -> tuple[int, dict[tuple[str, str], float]]:
    """Samples in py-spy's raw (collapsed) output, and each watched function's inclusive share."""
    total, counts = 0, collections.Counter()
    for line in raw.read_text(encoding="utf-8").splitlines():
        stack, _, number = line.rpartition(" ")
        if not stack:
            continue
        samples = int(number)
        total += samples
        frames = {(frame.split(" (")[0], frame.split("(")[1].split(":")[0].rsplit("/", 1)[-1])
                  for frame in stack.split(";") if " (" in frame}
        for watched in WATCHED:
            if watched in frames:
                counts[watched] += samples
    return total, {watched: 100 * counts[watched] / max(total, 1) for watched in WATCHED}


def main() -> int:
    model = REPO / "models" / "milia.tar.gz"
    with tempfile.TemporaryDirectory() as work:
        workdir = Path(work)
        endpoints = workdir / "endpoints.yml"
        endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{PORT + 1}/webhook"\n'
                             "tracker_store:\n  type: bot.tracker_store.UrlSQLTrackerStore\n"
                             f"  url: sqlite:///{workdir / 'profile.db'}\n"
                             "lock_store:\n  type: bot.lock_store.ConversationLockStore\n")
        actions_log, bot_log, raw = workdir / "actions.log", workdir / "bot.log", workdir / "profile.raw"
        actions = subprocess.Popen([RASA, "run", "actions", "--port", str(PORT + 1)], cwd=REPO, env=_env(),
                                   stdout=open(actions_log, "wb"), stderr=subprocess.STDOUT)
        bot = None
        try:
            wait_until_up(f"http://127.0.0.1:{PORT + 1}/health", actions, actions_log)
            bot = subprocess.Popen([RASA, "run", "--port", str(PORT), "--model", str(model), "--endpoints",
                                    str(endpoints)], cwd=REPO, env=_env(), stdout=open(bot_log, "wb"),
                                   stderr=subprocess.STDOUT)
            webhook = f"http://127.0.0.1:{PORT}/webhooks/rest/webhook"
            wait_until_up(f"http://127.0.0.1:{PORT}/", bot, bot_log)
            post(webhook, "warm-up", "hello")
            spy = subprocess.Popen([PY_SPY, "record", "-p", str(bot.pid), "-d", str(int(SECONDS) - 2), "-r", "200",
                                    "-f", "raw", "-o", str(raw)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            load = concurrency(webhook, USERS, SECONDS)
            spy.wait(timeout=120)
        finally:
            if bot is not None:
                stop(bot)
            stop(actions)
        total, found = shares(raw)
    print(f"{USERS} users for {SECONDS:.0f} s: {load['turns_per_s']} turns/s, p95 {load['p95_ms']} ms; "
          f"{total} samples of the Rasa process")
    for (function, file), share in found.items():
        print(f"{share:5.1f}%  {function} ({file})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
