"""Start the action server and the bot for ``make shell``, quietly, and stop them after.

Their output (TensorFlow, SQLAlchemy and Rasa deprecation warnings, request logs)
goes to files, so the terminal shows only the conversation. Both listen on loopback
only (``bot.serve --host 127.0.0.1``, as ``make run``; ``SANIC_HOST`` for the action
server, which has no option for it) and run in their own process group: a Ctrl-C typed in
the conversation reaches the client, which then stops them in order.
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
from typing import Callable, Optional

import yaml

START_TIMEOUT_S = 300.0
STOP_TIMEOUT_S = 30.0


class StartError(RuntimeError):
    """A server did not start; the message says which, and where its log is."""


def _rasa() -> str:
    return str(Path(sys.executable).parent / "rasa")


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2.0) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def endpoints_for(action_port: int, source: Path) -> str:
    """endpoints.yml with the action server's URL moved to ``action_port`` (all else kept)."""
    endpoints = yaml.safe_load(source.read_text()) if source.exists() else None
    endpoints = endpoints if isinstance(endpoints, dict) else {}
    endpoints["action_endpoint"] = {"url": f"http://127.0.0.1:{action_port}/webhook"}
    return yaml.safe_dump(endpoints, sort_keys=False)


def _tail(log: Path, lines: int = 15) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        pass


@dataclass
class Servers:
    """The action server and the bot, with their logs in ``log_dir``."""

    bot_port: int
    action_port: int
    log_dir: Path
    model: str = "models/milia.tar.gz"
    repo: Path = field(default_factory=Path.cwd)
    processes: list[tuple[str, subprocess.Popen, Path]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.bot_port}"

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["SANIC_HOST"] = "127.0.0.1"  # the action server's interface (it has no option for it)
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
        env.setdefault("RASA_TELEMETRY_ENABLED", "false")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(self.repo), env.get("PYTHONPATH")]))
        return env

    def _spawn(self, name: str, command: list[str]) -> None:
        log = self.log_dir / f"{name}.log"
        # Overwritten at each start: only the last run is kept (the bot's debug lines hold what people typed).
        with open(log, "wb") as output:
            process = subprocess.Popen(
                command,
                cwd=self.repo,
                env=self._env(),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes.append((name, process, log))

    def start(self, waiting: Optional[Callable[[str], None]] = None, timeout: float = START_TIMEOUT_S) -> None:
        """Start both and wait until the bot's widget channel answers; stop both on failure."""
        for port, what in ((self.bot_port, "bot"), (self.action_port, "action server")):
            if port_in_use(port):
                raise StartError(
                    f"port {port} (for the {what}) is already in use. If the bot is already running "
                    f"(make run), talk to it with: python -m bot.terminal --url http://127.0.0.1:{self.bot_port}"
                )
        self.log_dir.mkdir(parents=True, exist_ok=True)
        endpoints = self.log_dir / "endpoints.yml"
        endpoints.write_text(endpoints_for(self.action_port, self.repo / "endpoints.yml"))
        self._spawn("actions", [_rasa(), "run", "actions", "--port", str(self.action_port), "--actions", "actions"])
        # bot.serve is `make run`'s locked-down launcher (one model file, no HTTP API).
        self._spawn(
            "bot",
            [sys.executable, "-m", "bot.serve", "--host", "127.0.0.1", "--port", str(self.bot_port),
             "--model", self.model, "--endpoints", str(endpoints), "--credentials", str(self.repo / "credentials.yml")],
        )
        checks = [
            (f"http://127.0.0.1:{self.action_port}/health", "the action server"),
            (f"{self.url}/webhooks/widget/health", "the bot"),  # 200 once the model is loaded
        ]
        deadline = time.monotonic() + timeout
        try:
            for url, what in checks:
                if waiting:
                    waiting(f"Starting {what} (logs in {self.log_dir}/)...")
                while not _answers(url):
                    for name, process, log in self.processes:
                        if process.poll() is not None:
                            raise StartError(
                                f"the {name} server stopped (exit {process.returncode}); {log}:\n{_tail(log)}"
                            )
                    if time.monotonic() > deadline:
                        raise StartError(f"{what} did not start within {timeout:.0f} s; see {self.log_dir}/")
                    time.sleep(0.5)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop the bot, then the action server (SIGINT, as Ctrl-C would; kill if stuck).

        Each runs in its own process group, so the signal reaches any worker it started.
        """
        for _, process, _ in reversed(self.processes):
            _signal_group(process, signal.SIGINT)
        for _, process, _ in reversed(self.processes):
            try:
                process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait(timeout=10)
        self.processes.clear()
