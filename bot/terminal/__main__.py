"""``python -m bot.terminal --url URL`` talks to a running bot; ``--start`` starts one first.

``make shell`` runs ``python -m bot.terminal --start``: the action server and the bot
start with their logs in files, the conversation opens with the disclaimer, and
leaving it (/quit, Ctrl-D, Ctrl-C) stops both servers.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Sequence

from rich.console import Console

from bot.terminal.client import WidgetClient
from bot.terminal.render import render_error
from bot.terminal.repl import Conversation, default_reader

if TYPE_CHECKING:
    from bot.terminal.servers import Servers


def parse_arguments(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot.terminal", description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="a running bot, e.g. http://127.0.0.1:5005 (default with --start)")
    parser.add_argument("--start", action="store_true", help="start the action server and the bot first")
    parser.add_argument("--port", type=int, default=5005, help="the bot's port with --start (default 5005)")
    parser.add_argument("--actions-port", type=int, default=5055, help="the action server's port with --start")
    parser.add_argument("--model", default="models/milia.tar.gz", help="the model file with --start")
    parser.add_argument("--log-dir", type=Path, default=Path("build/shell"), help="server logs with --start")
    return parser.parse_args(argv)


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def main(argv: Optional[Sequence[str]] = None) -> int:
    arguments = parse_arguments(argv)
    # A closed terminal window (SIGHUP) or a kill (SIGTERM) still runs the `finally` below,
    # so the servers started here are stopped rather than left running.
    signal.signal(signal.SIGHUP, _exit_on_signal)
    signal.signal(signal.SIGTERM, _exit_on_signal)
    console = Console(highlight=False, soft_wrap=False)
    servers = None
    if arguments.start:
        from bot.terminal.servers import Servers, StartError

        servers = Servers(bot_port=arguments.port, action_port=arguments.actions_port,
                          log_dir=arguments.log_dir, model=arguments.model)
        try:
            with console.status("Starting the assistant...", spinner="dots") as status:
                servers.start(waiting=lambda words: status.update(words))
        except StartError as error:
            console.print(render_error(str(error)))
            return 1
        except KeyboardInterrupt:
            return 130
    url = arguments.url or (servers.url if servers else "http://127.0.0.1:5005")
    try:
        Conversation(chat=WidgetClient(url), console=console).run(default_reader())
    finally:
        if servers is not None:
            _stop(servers, console)
    return 0


def _stop(servers: Servers, console: Console) -> None:
    """Stop the servers, with a spinner if the terminal is still there."""
    try:
        with console.status("Stopping the assistant...", spinner="dots"):
            servers.stop()
    except OSError:  # the terminal was closed: stop them all the same
        servers.stop()


if __name__ == "__main__":
    sys.exit(main())
