"""Several Rasa servers on one machine, the way Rasa is built to scale (``make cluster``).

Topology (all on 127.0.0.1, ports counted from one base port, default 22100):

    base+0        nginx, round-robin over the Rasa servers (the only address clients use)
    base+1        PostgreSQL: the shared tracker store (TRACKER_STORE_URL)
    base+2        Redis: the shared conversation locks (LOCK_STORE_URL, bot/lock_store.py)
    base+10+i     Rasa server i (`rasa run`, same model, endpoints and credentials)
    base+30       the action server (`rasa run actions`)

Everything is a Debian package (postgresql, redis-server, nginx-light) or the project's
own venv; state lives in ``.cluster/`` (git-ignored). ``start`` writes the process ids
there so that ``stop`` (another process) stops exactly what was started.

    python -m deploy.cluster start --servers 2 [--port 22100]
    python -m deploy.cluster status
    python -m deploy.cluster stop
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import secrets
import shutil
import signal
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
DEFAULT_WORKDIR = REPO / ".cluster"
DEFAULT_PORT = 22100
DATABASE = "milia"
DB_USER = "milia"
# A killed server's tickets lapse after this many seconds (bot/lock_store.py).
DEFAULT_TICKET_TTL_S = 10
# The proxy waits this long for a reply: longer than the longest lock wait (bot/lock_store.py
# answers 503 after 20 s), so a slow turn is answered by the server, never cut off with a 504.
PROXY_READ_TIMEOUT_S = 45


def postgres_bin(name: str) -> str:
    """Debian keeps PostgreSQL's server programs in /usr/lib/postgresql/<version>/bin."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    path = shutil.which(name)
    if not path:
        raise RuntimeError(f"{name} not found: install the Debian package postgresql")
    return path


def _http_ok(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class Cluster:
    """PostgreSQL + Redis + N Rasa servers + action server + nginx, on loopback ports."""

    servers: int = 2
    port: int = DEFAULT_PORT
    workdir: Path = DEFAULT_WORKDIR
    ticket_ttl_s: float = DEFAULT_TICKET_TTL_S
    model: Path = field(default_factory=lambda: REPO / "models")
    log_level_args: tuple[str, ...] = ()

    # ------------------------------------------------------------------ addresses
    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def postgres_port(self) -> int:
        return self.port + 1

    @property
    def redis_port(self) -> int:
        return self.port + 2

    def server_port(self, index: int) -> int:
        return self.port + 10 + index

    def server_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.server_port(index)}"

    @property
    def action_port(self) -> int:
        return self.port + 30

    @property
    def lock_store_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/1"

    @property
    def password_file(self) -> Path:
        return self.workdir / "postgres-password"

    @property
    def database_url(self) -> str:
        password = self.password_file.read_text().strip()
        return f"postgresql://{DB_USER}:{password}@127.0.0.1:{self.postgres_port}/{DATABASE}"

    @property
    def pids_file(self) -> Path:
        return self.workdir / "pids.json"

    # ------------------------------------------------------------------ pids
    def _pids(self) -> dict[str, int]:
        return json.loads(self.pids_file.read_text()) if self.pids_file.exists() else {}

    def _remember(self, name: str, pid: int) -> None:
        pids = self._pids()
        pids[name] = pid
        self.pids_file.write_text(json.dumps(pids, indent=1))

    def _forget(self, name: str) -> None:
        pids = self._pids()
        pids.pop(name, None)
        self.pids_file.write_text(json.dumps(pids, indent=1))

    # ------------------------------------------------------------------ PostgreSQL
    @property
    def pg_data(self) -> Path:
        return self.workdir / "postgres"

    def _as_postgres(self, command: list[str]) -> list[str]:
        # PostgreSQL refuses to run as root; Debian's package creates the `postgres` user.
        return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command

    def start_postgres(self) -> None:
        if not (self.pg_data / "PG_VERSION").exists():
            self.pg_data.mkdir(parents=True, exist_ok=True)
            if not self.password_file.exists():
                self.password_file.write_text(secrets.token_urlsafe(24))
                self.password_file.chmod(0o600)
            pwfile = self.workdir / "pwfile.tmp"
            pwfile.write_text(self.password_file.read_text())
            if os.geteuid() == 0:
                shutil.chown(self.pg_data, "postgres")
                shutil.chown(pwfile, "postgres")
            subprocess.run(
                self._as_postgres([postgres_bin("initdb"), "-D", str(self.pg_data), "-U", DB_USER,
                                   "--auth=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8"]),
                check=True, stdout=subprocess.DEVNULL,
            )
            pwfile.unlink()
        log = self.workdir / "postgres.log"
        log.touch()
        if os.geteuid() == 0:
            shutil.chown(log, "postgres")
        options = (f"-p {self.postgres_port} -c listen_addresses=127.0.0.1 -k {self.pg_data} "
                   "-c max_connections=200 -c shared_buffers=128MB")
        subprocess.run(
            self._as_postgres([postgres_bin("pg_ctl"), "-D", str(self.pg_data), "-l", str(log), "-o", options,
                               "-w", "-t", "60", "start"]),
            check=True, stdout=subprocess.DEVNULL,
        )
        env = {**os.environ, "PGPASSWORD": self.password_file.read_text().strip()}
        exists = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(self.postgres_port), "-U", DB_USER, "-d", "postgres", "-tAc",
             f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'"],
            env=env, capture_output=True, text=True, check=True,
        ).stdout.strip()
        if exists != "1":
            subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.postgres_port), "-U", DB_USER, "-d", "postgres",
                            "-qc", f"CREATE DATABASE {DATABASE}"], env=env, check=True)

    def stop_postgres(self) -> None:
        if (self.pg_data / "postmaster.pid").exists():
            subprocess.run(self._as_postgres([postgres_bin("pg_ctl"), "-D", str(self.pg_data), "-m", "fast", "-w",
                                              "stop"]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    # ------------------------------------------------------------------ Redis
    def start_redis(self) -> None:
        # Locks are short-lived: no persistence needed.
        process = subprocess.Popen(
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir), "--logfile", str(self.workdir / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
        )
        self._remember("redis", process.pid)
        deadline = time.monotonic() + 20
        while subprocess.run(["redis-cli", "-p", str(self.redis_port), "ping"], capture_output=True,
                             text=True).stdout.strip() != "PONG":
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"redis did not start; see {self.workdir / 'redis.log'}")
            time.sleep(0.2)

    # ------------------------------------------------------------------ Rasa
    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "RASA_TELEMETRY_ENABLED": "false",
            "TRACKER_STORE_URL": self.database_url,
            "LOCK_STORE_URL": self.lock_store_url,
            "LOCK_TICKET_TTL": str(self.ticket_ttl_s),
        }

    def endpoints_file(self) -> Path:
        path = self.workdir / "endpoints.yml"
        path.write_text(
            f'action_endpoint:\n  url: "http://127.0.0.1:{self.action_port}/webhook"\n'
            "tracker_store:\n  type: bot.tracker_store.UrlSQLTrackerStore\n"
            "lock_store:\n  type: bot.lock_store.ConversationLockStore\n"
        )
        return path

    def start_actions(self) -> None:
        log = self.workdir / "actions.log"
        process = subprocess.Popen(
            [RASA, "run", "actions", "--port", str(self.action_port), "--actions", "actions"],
            cwd=REPO, env=self._env(), stdout=open(log, "ab"), stderr=subprocess.STDOUT, start_new_session=True,
        )
        self._remember("actions", process.pid)

    def start_server(self, index: int) -> subprocess.Popen:
        log = self.workdir / f"rasa-{index}.log"
        process = subprocess.Popen(
            [RASA, "run", "-i", "127.0.0.1", "--port", str(self.server_port(index)), "--model", str(self.model),
             "--endpoints", str(self.endpoints_file()), "--credentials", str(REPO / "credentials.yml"),
             *self.log_level_args],
            cwd=REPO, env=self._env(), stdout=open(log, "ab"), stderr=subprocess.STDOUT, start_new_session=True,
        )
        self._remember(f"rasa-{index}", process.pid)
        return process

    def wait_for(self, url: str, name: str, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while not _http_ok(url):
            pid = self._pids().get(name)
            if pid is not None and not _alive(pid):
                raise RuntimeError(f"{name} exited; see {self.workdir / (name + '.log')}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} not up after {timeout:.0f} s; see {self.workdir}")
            time.sleep(0.5)

    def wait_for_server(self, index: int, timeout: float = 300) -> None:
        # The REST channel's health route answers once the channels are registered;
        # /webhooks/rest/ is served before the model has loaded, so ask the model itself.
        self.wait_for(f"{self.server_url(index)}/webhooks/rest/", f"rasa-{index}", timeout)
        deadline = time.monotonic() + timeout
        while True:
            status = _post_status(f"{self.server_url(index)}/webhooks/rest/webhook", f"warm-up-{index}", "/greet")
            if status == 200:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"rasa-{index} does not answer messages; see {self.workdir}")
            time.sleep(0.5)

    def kill_server(self, index: int) -> None:
        """Kill a Rasa server the hard way (SIGKILL), as a crash or an OOM kill would."""
        pid = self._pids().get(f"rasa-{index}")
        if pid is not None:
            os.killpg(pid, signal.SIGKILL)
            self._forget(f"rasa-{index}")

    # ------------------------------------------------------------------ nginx
    def nginx_conf(self) -> Path:
        upstreams = "\n".join(
            f"    server 127.0.0.1:{self.server_port(i)} max_fails=1 fail_timeout=5s;" for i in range(self.servers)
        )
        template = (REPO / "deploy" / "nginx-cluster.conf").read_text()
        temp = self.workdir / "nginx-temp"
        temp.mkdir(exist_ok=True)
        conf = self.workdir / "nginx.conf"
        conf.write_text(
            template.replace("@WORKDIR@", str(self.workdir)).replace("@UPSTREAMS@", upstreams)
            .replace("@LISTEN@", f"127.0.0.1:{self.port}").replace("@READ_TIMEOUT@", f"{PROXY_READ_TIMEOUT_S}s")
        )
        return conf

    def start_nginx(self) -> None:
        conf = self.nginx_conf()
        subprocess.run(["nginx", "-e", str(self.workdir / "nginx-error.log"), "-c", str(conf), "-t", "-q"],
                       check=True)
        subprocess.run(["nginx", "-e", str(self.workdir / "nginx-error.log"), "-c", str(conf)], check=True)
        pid_file = self.workdir / "nginx.pid"
        deadline = time.monotonic() + 10
        while not pid_file.exists():
            if time.monotonic() > deadline:
                raise RuntimeError("nginx did not start; see .cluster/nginx-error.log")
            time.sleep(0.1)
        self._remember("nginx", int(pid_file.read_text().strip()))

    # ------------------------------------------------------------------ whole
    def start(self) -> None:
        if self._pids():
            raise RuntimeError(f"a cluster already runs from {self.workdir} (stop it first: make cluster-stop)")
        self.workdir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            # PostgreSQL runs as `postgres` and must reach its data directory.
            self.workdir.chmod(0o755)
        self.start_postgres()
        self._remember("postgres", -1)
        self.start_redis()
        self.start_actions()
        for index in range(self.servers):
            self.start_server(index)
        self.wait_for(f"http://127.0.0.1:{self.action_port}/health", "actions")
        for index in range(self.servers):
            self.wait_for_server(index)
        self.start_nginx()

    def stop(self) -> None:
        pids = self._pids()
        for name, pid in pids.items():
            if name == "nginx" and _alive(pid):
                os.kill(pid, signal.SIGQUIT)
        for name, pid in pids.items():
            if name.startswith("rasa-") or name in ("actions", "redis"):
                if _alive(pid):
                    try:
                        os.killpg(pid, signal.SIGTERM)
                    except ProcessLookupError:
                        pass
        deadline = time.monotonic() + 20
        for pid in pids.values():
            while pid > 0 and _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if pid > 0 and _alive(pid):
                try:
                    os.killpg(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
        self.stop_postgres()
        if self.pids_file.exists():
            self.pids_file.unlink()

    def status(self) -> dict[str, bool]:
        return {name: (pid < 0 or _alive(pid)) for name, pid in self._pids().items()}


def _post_status(url: str, sender: str, text: str) -> Optional[int]:
    data = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            body = json.loads(response.read().decode())
            return response.status if body else None
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError, ValueError):
        return None


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("start", "stop", "status"))
    parser.add_argument("--servers", type=int, default=int(os.environ.get("CLUSTER_SERVERS", "2")))
    parser.add_argument("--port", type=int, default=int(os.environ.get("CLUSTER_PORT", str(DEFAULT_PORT))))
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    args = parser.parse_args(argv)
    cluster = Cluster(servers=args.servers, port=args.port, workdir=args.workdir.resolve())
    if args.command == "start":
        try:
            cluster.start()
        except BaseException:
            cluster.stop()
            raise
        print(f"{args.servers} Rasa servers behind nginx: POST {cluster.proxy_url}/webhooks/rest/webhook")
        print(f"tracker store {cluster.database_url.split('@')[-1]} (PostgreSQL), locks {cluster.lock_store_url}")
        print(f"logs and data in {cluster.workdir}; stop with: make cluster-stop")
    elif args.command == "stop":
        cluster.stop()
        print("cluster stopped")
    else:
        for name, up in cluster.status().items():
            print(f"{name:<10} {'up' if up else 'DOWN'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
