"""Start and stop the real Rasa server and action server for integration tests.

The test session starts each server once (see conftest.py); tests that need a server
down or restarted use the methods here and leave it running again afterwards.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

REPO = Path(__file__).resolve().parent.parent
RASA = str(Path(sys.executable).parent / "rasa")
START_TIMEOUT_S = 180
# An origin in the bot's `--cors` (Rasa's own routes) but not in clinic.yml: the widget's
# routes must ignore it. Nothing listens there; MILIA_TEST_PAGE_PORT moves it.
TEST_PAGE_ORIGIN = f"http://127.0.0.1:{os.environ.get('MILIA_TEST_PAGE_PORT', '8765')}"


def worker_port_offset(worker: str) -> int:
    """How far a pytest-xdist worker ("gw0", "gw1", ...) moves the test servers' ports.

    `make test` runs two workers (CI has two cores); each starts its own bot and action
    server, so each needs its own ports: 1000 apart, clear of every port a test adds to
    the base (the storage-failure stack +100, `make shell` +10)."""
    return 1000 * int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else 0


def server_port(variable: str, default: int) -> int:
    """A test server's base port: the environment variable moves it (two checkouts side by
    side), and this pytest-xdist worker's offset keeps it apart from the other worker's."""
    return int(os.environ.get(variable, default)) + worker_port_offset(os.environ.get("PYTEST_XDIST_WORKER", ""))


def _get(url: str, timeout: float = 2.0) -> Optional[int]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return None


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = START_TIMEOUT_S) -> None:
    """Wait for ``url`` to answer 200; on failure stop the process (never leave it running)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}; log:\n{log.read_text()[-4000:]}")
        if _get(url) == 200:
            return
        time.sleep(0.5)
    stop(process)
    raise RuntimeError(f"server at {url} not up after {timeout}s; log:\n{log.read_text()[-4000:]}")


def stop(process: Optional[subprocess.Popen]) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@dataclass
class BotStack:
    """A Rasa server plus action server on test ports, with their own tracker database."""

    workdir: Path
    # Ports can be moved (MILIA_TEST_BOT_PORT / MILIA_TEST_ACTION_PORT) so that two
    # checkouts can run their suites side by side.
    bot_port: int = field(default_factory=lambda: server_port("MILIA_TEST_BOT_PORT", 15005))
    action_port: int = field(default_factory=lambda: server_port("MILIA_TEST_ACTION_PORT", 15055))
    # The one model file the bot loads (bot.serve never picks "the newest in models/").
    model: str = field(
        default_factory=lambda: os.environ.get("MILIA_TEST_MODEL", str(REPO / "models" / "milia.tar.gz"))
    )
    # Rasa's HTTP API is on for the tests (tracker_of), on loopback and with a token
    # that bot.serve reads from this directory; the token never appears in `ps`.
    # endpoints.yml's tracker_store (and lock_store) sections, when a test needs others.
    tracker_store_yaml: str = ""
    # More environment for both servers (e.g. where a test's fault switches are).
    extra_env: dict[str, str] = field(default_factory=dict)
    bot: Optional[subprocess.Popen] = None
    actions: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.bot_port}"

    @property
    def action_url(self) -> str:
        return f"http://127.0.0.1:{self.action_port}"

    @property
    def database(self) -> Path:
        return self.workdir / "tracker.db"

    @property
    def analytics_database(self) -> Path:
        return self.workdir / "analytics.db"

    def _endpoints(self) -> Path:
        path = self.workdir / "endpoints.yml"
        store = self.tracker_store_yaml or (
            "tracker_store:\n  type: bot.tracker_store.UrlSQLTrackerStore\n"
            f"  url: sqlite:///{self.database}\n"
            "event_broker:\n  type: bot.analytics.broker.AnalyticsEventBroker\n"
            f"  url: sqlite:///{self.analytics_database}\n"
        )
        path.write_text(f'action_endpoint:\n  url: "{self.action_url}/webhook"\n' + store)
        return path

    @property
    def secrets_dir(self) -> Path:
        return self.workdir / "secrets"

    @property
    def api_token(self) -> str:
        """The HTTP API token (made by the first start, mode 0600)."""
        from bot.secret_files import API_TOKEN, read_or_create_secret

        return read_or_create_secret(API_TOKEN, self.secrets_dir)

    @property
    def session_key(self) -> bytes:
        """The key the bot signs conversation ids with (to check them in tests)."""
        from bot.secret_files import SESSION_KEY, read_or_create_secret

        return read_or_create_secret(SESSION_KEY, self.secrets_dir).encode("utf-8")

    def api_url(self, path: str) -> str:
        """A URL of Rasa's HTTP API with the token (``?token=``, as Rasa expects it)."""
        separator = "&" if "?" in path else "?"
        return f"{self.url}{path}{separator}token={self.api_token}"

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("TRACKER_STORE_URL", None)
        env.pop("ANALYTICS_DB_URL", None)
        env["PYTHONPATH"] = str(REPO)
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        env["MILIA_SECRETS_DIR"] = str(self.secrets_dir)
        env["SANIC_HOST"] = "127.0.0.1"  # the action server listens on loopback only
        env.update(self.extra_env)
        return env

    @staticmethod
    def _ensure_port_free(port: int) -> None:
        # Another server on the port would silently be tested instead of ours.
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                raise RuntimeError(f"port {port} is already in use; stop that server or choose other ports")

    def start_actions(self) -> None:
        self._ensure_port_free(self.action_port)
        log = self.workdir / "actions.log"
        self.actions = subprocess.Popen(
            [RASA, "run", "actions", "--port", str(self.action_port), "--actions", "actions"],
            cwd=REPO, env=self._env(), stdout=open(log, "ab"), stderr=subprocess.STDOUT,
        )
        wait_until_up(f"{self.action_url}/health", self.actions, log)

    def stop_actions(self) -> None:
        stop(self.actions)
        self.actions = None

    def start_bot(self) -> None:
        self._ensure_port_free(self.bot_port)
        log = self.workdir / "bot.log"
        model = Path(self.model)
        if model.is_dir():
            model = model / "milia.tar.gz"
        self.bot = subprocess.Popen(
            [sys.executable, "-m", "bot.serve", "--api", "--host", "127.0.0.1", "--port", str(self.bot_port),
             "--model", str(model), "--endpoints", str(self._endpoints()),
             "--credentials", str(REPO / "credentials.yml"), "--cors", TEST_PAGE_ORIGIN],
            cwd=REPO, env=self._env(), stdout=open(log, "ab"), stderr=subprocess.STDOUT,
        )
        wait_until_up(self.api_url("/status"), self.bot, log)

    def stop_bot(self) -> None:
        stop(self.bot)
        self.bot = None

    def start(self) -> None:
        self.start_actions()
        self.start_bot()

    def stop_all(self) -> None:
        self.stop_bot()
        self.stop_actions()
