"""Start the bot locked down: ``python -m bot.serve`` (what ``make run`` and the tests use).

Plain ``rasa run --enable-api`` served Rasa's HTTP API to anyone who could reach the
port: train and replace the model (``POST /model/train``, ``PUT /model``, with a
``text/plain`` body any web page can send cross-site), delete it, fetch any URL
(``model_server``), and read or rewrite any conversation. It also loaded the newest
file in ``models/``, so a dropped file became the bot after a restart. This launcher:

* loads exactly one model file (``models/milia.tar.gz`` by default) and never a model
  server, whatever ``endpoints.yml`` says;
* serves the chat channels of ``credentials.yml`` and ``GET /health``;
* turns Rasa's HTTP API on only with ``--api``, then only on a loopback interface and
  with a token read from ``.milia/api-token`` (mode 0600, made on first use): never on
  the command line, where ``ps`` would show it;
* refuses model training, replacement and deletion on every port, token or not;
* refuses request bodies that are not JSON (415) outside socket.io, so no cross-site
  form or ``text/plain`` request gets through;
* deletes conversations older than the retention period before it starts serving.

It repeats the few lines of ``rasa.core.run.serve_application`` that build and run the
Sanic app, so that it can add the guard and the health route; the Rasa functions it
calls are checked by ``tests/test_storage_failure_internals.py``.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
from functools import partial
from pathlib import Path
from typing import Optional

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.health import health_report
from bot.channels.validation import MAX_BODY_BYTES, RequestError, check_content_type
from bot.secret_files import API_TOKEN, read_or_create_secret
from bot.settings import load_settings

logger = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = REPO / "models" / "milia.tar.gz"
CHAT_PREFIXES = ("/webhooks/", "/socket.io")
# Routes of Rasa's HTTP API that change the model: never served.
MODEL_CHANGES = ("/model/train", "/model/test")


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def refusal(
    method: str, path: str, client_ip: str, content_type: Optional[str], api_enabled: bool, body_bytes: int = 1
) -> Optional[tuple[int, str]]:
    """(status, reason) when a request must be refused before any route sees it, else None.

    A pure function of the request's parts, so the policy is unit-tested without a server.
    """
    if body_bytes > MAX_BODY_BYTES:
        # Also before engine.io: it answers an oversize polling POST by closing the
        # session and then waits forever for the queue to drain (the request hangs).
        return 413, f"request body over {MAX_BODY_BYTES} bytes"
    if path.startswith("/socket.io"):
        return None  # engine.io polling bodies are text/plain by protocol
    if method in ("POST", "PUT", "PATCH", "DELETE") and path.rstrip("/") == "/model":
        return 403, "replacing or deleting the model is disabled on this server; deploy with make train"
    if path.startswith(MODEL_CHANGES):
        return 403, "training and testing models is disabled on this server; train with make train"
    if method in ("POST", "PUT", "PATCH") and body_bytes:  # an empty body carries nothing cross-site
        try:
            check_content_type(content_type)
        except RequestError as error:
            return error.status, str(error)
    if path.startswith(CHAT_PREFIXES) or path == "/health":
        return None
    if api_enabled and not is_loopback(client_ip):
        return 403, "Rasa's HTTP API answers on loopback only"
    return None


def add_guard(app: Sanic, api_enabled: bool) -> None:
    """The request filter above, plus ``GET /health``."""
    # Sanic itself refuses larger bodies (413) before reading them (its default: 100 MB).
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES

    @app.middleware("request")
    async def guard(request: Request) -> Optional[HTTPResponse]:
        refused = refusal(
            request.method,
            request.path,
            request.ip or "",
            request.headers.get("content-type"),
            api_enabled,
            body_bytes=len(request.body or b""),
        )
        if refused:
            return response.json({"error": refused[1]}, status=refused[0])
        return None

    async def health(request: Request) -> HTTPResponse:
        status, body = await health_report(getattr(request.app.ctx, "agent", None))
        return response.json(body, status=status, headers={"Cache-Control": "no-store"})

    app.add_route(health, "/health", methods=["GET"], name="milia_health")


def serve(
    model: Path,
    host: str,
    port: int,
    credentials: Path,
    endpoints_file: Path,
    api: bool,
    cors: list[str],
) -> None:
    from rasa.core import agent as rasa_agent  # noqa: F401  (imported before the channels patch it)
    from rasa.core.run import close_resources, configure_app, create_http_input_channels, load_agent_on_start
    from rasa.core.utils import AvailableEndpoints

    from bot.privacy.retention import purge_expired

    if api and not is_loopback(host):
        raise SystemExit(f"--api serves Rasa's HTTP API; it may only listen on loopback, not {host}")
    if not model.is_file():
        raise SystemExit(f"model file not found: {model} (run make train)")
    endpoints = AvailableEndpoints.read_endpoints(str(endpoints_file))
    endpoints.model = None  # never fetch models from a server
    purge_expired(endpoints)
    token = read_or_create_secret(API_TOKEN) if api else None
    channels = create_http_input_channels(None, str(credentials))
    app = configure_app(channels, cors or None, token, api, port=port, endpoints=endpoints)
    add_guard(app, api)
    app.register_listener(partial(load_agent_on_start, str(model), endpoints, None), "before_server_start")
    app.register_listener(close_resources, "after_server_stop")
    logger.info("Serving %s on http://%s:%s (HTTP API %s)", model.name, host, port, "on, token" if api else "off")
    app.run(host=host, port=port, workers=1, backlog=int(os.environ.get("SANIC_BACKLOG", "100")))


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.serve", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="the one model file to load")
    parser.add_argument("--host", default="127.0.0.1", help="interface for the chat channels (default loopback)")
    parser.add_argument("--port", type=int, default=5005)
    parser.add_argument("--credentials", type=Path, default=REPO / "credentials.yml")
    parser.add_argument("--endpoints", type=Path, default=REPO / "endpoints.yml")
    parser.add_argument("--api", action="store_true", help="Rasa's HTTP API on loopback, token in .milia/api-token")
    parser.add_argument("--cors", nargs="*", default=None, help="origins for Rasa's CORS (default: clinic.yml)")
    args = parser.parse_args(argv)
    level = os.environ.get("LOG_LEVEL", "INFO")
    logging.basicConfig(level=level)
    # Rasa logs through structlog too; unconfigured, structlog prints every debug event,
    # and those carry what people typed. `rasa run` configures it; so must we.
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.getLevelName(level) if isinstance(logging.getLevelName(level), int) else logging.INFO)
    cors = args.cors if args.cors is not None else list(load_settings().allowed_origins)
    serve(args.model, args.host, args.port, args.credentials, args.endpoints, args.api, cors)


if __name__ == "__main__":
    main()
