"""Secrets the server makes for itself: kept in files readable by their owner only.

Why files and not command-line options: anything on a command line (``rasa run
--auth-token ...``) is visible to every local user in ``ps``. Why generated: a default
token shipped in the repository would be the same for every clinic. The directory is
``.milia/`` in the checkout (git-ignored), or ``MILIA_SECRETS_DIR``.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path

logger = logging.getLogger(__name__)

SECRETS_DIR_ENV = "MILIA_SECRETS_DIR"
DEFAULT_SECRETS_DIR = Path(__file__).resolve().parent.parent / ".milia"

API_TOKEN = "api-token"
SESSION_KEY = "session-key"


def secrets_dir() -> Path:
    return Path(os.environ.get(SECRETS_DIR_ENV) or DEFAULT_SECRETS_DIR)


def _owner_only(path: Path, mode: int) -> None:
    current = stat.S_IMODE(path.stat().st_mode)
    if current & 0o077:
        logger.warning("%s was readable by others (mode %o); now %o", path, current, mode)
        path.chmod(mode)


def read_or_create_secret(name: str, directory: Path | None = None) -> str:
    """The secret stored in ``name``, created (random, 256 bits, mode 0600) if absent.

    Two processes starting at once agree: the file is created with O_EXCL and the
    loser reads the winner's value.
    """
    folder = directory or secrets_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    _owner_only(folder, 0o700)
    path = folder / name
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        _owner_only(path, 0o600)
        value = path.read_text(encoding="utf-8").strip()
        if value:
            return value
        raise RuntimeError(f"secret file {path} is empty; delete it to have a new secret made") from None
    value = secrets.token_urlsafe(32)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return value


def main(argv: list[str]) -> int:
    """``python -m bot.secret_files path NAME``: make sure the secret exists, print its path."""
    name = argv[2] if len(argv) > 2 else API_TOKEN
    read_or_create_secret(name)
    print(secrets_dir() / name)
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv))
