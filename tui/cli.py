"""The command line of SPEC section 4. Exit 0 ok, 1 needs a person (`check`), 2 usage/config."""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from tui import __version__
from tui.base.clock import parse_iso, system_clock
from tui.base.config import ConfigError
from tui.base.config_reading import load_config
from tui.base.crash import one_line
from tui.base.paths import StateError, resolve_state_root

EXIT_OK, EXIT_ATTENTION, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 70

DESCRIPTION = """\
The Sisyphus control room: per-role inboxes of the ticket bus, live probes, error budgets and
incidents of a small hosting platform, in the terminal.

Without a command it opens the room. The state folder is --state DIR, else $SISYPHUS_STATE, else
the current folder when it holds tickets/.
"""

EPILOG = """\
exit status: 0 ok; 1 `check` found something that needs a person, or a writing command was
refused; 2 a usage or config error; 70 an unexpected error (one line says where its report is).
"""


class _Parser(argparse.ArgumentParser):
    json_errors = False  # set when --json is on the command line: errors as one JSON line
    commands: Mapping[str, argparse.ArgumentParser]  # each command's parser (the docs print them)

    def error(self, message: str) -> None:  # type: ignore[override]
        if _Parser.json_errors:
            print(json.dumps({"ok": False, "error": "usage", "message": f"{self.prog}: {message}"}))
            self.exit(EXIT_USAGE)
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n(see {self.prog} --help)\n")


WRITING = ("ack", "resolve", "silence", "reply", "archive", "file")


def build_parser() -> _Parser:
    parser = _Parser(
        prog="sisyphus-room",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"sisyphus-room {__version__}")
    parser.add_argument("--state", metavar="DIR", help="the state folder (holds tickets/)")
    parser.add_argument(
        "--read-only", action="store_true", help="never write under the state folder"
    )
    parser.add_argument(
        "--theme",
        metavar="NAME",
        help="colour theme: room (default), room-ansi for 16 colours, or any Textual theme",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="open the room on a live copy of the bundled sample state (no network)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    parser.commands = commands.choices

    status = commands.add_parser("status", help="print the room's state once and exit")
    status.add_argument(
        "--state", metavar="DIR", default=argparse.SUPPRESS, help="the state folder"
    )
    status.add_argument("--json", action="store_true", help="the JSON snapshot (schema 1)")
    status.add_argument("--probe", action="store_true", help="run one probe round first")
    status.add_argument(
        "--now", metavar="TIME", help="evaluate at this ISO 8601 time instead of now"
    )

    check = commands.add_parser(
        "check", help="exit 0 when nothing needs a person, else 1 with reasons"
    )
    check.add_argument("--state", metavar="DIR", default=argparse.SUPPRESS, help="the state folder")
    check.add_argument("--probe", action="store_true", help="run one probe round first")
    check.add_argument(
        "--now", metavar="TIME", help="evaluate at this ISO 8601 time instead of now"
    )

    watch = commands.add_parser(
        "watch", help="the headless watcher: probe, keep budgets, escalate and notify"
    )
    watch.add_argument("--state", metavar="DIR", default=argparse.SUPPRESS, help="the state folder")
    watch.add_argument(
        "--log-format", choices=("text", "json"), default="text", help="one line per event"
    )
    watch.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        metavar="N",
        help="drills and tests: run the clock N times faster (ladders, intervals)",
    )

    ack = commands.add_parser("ack", help="acknowledge a stale ticket or an incident")
    ack.add_argument("id", metavar="ID", help="a ticket id or an incident id")
    ack.add_argument("--state", metavar="DIR", default=argparse.SUPPRESS, help="the state folder")
    ack.add_argument("--by", metavar="NAME", help="who acknowledges (default: the OS user)")
    ack.add_argument("--note", metavar="TEXT", default="", help="a note for the timeline")
    ack.add_argument("--json", action="store_true", help="one JSON line")

    resolve = commands.add_parser("resolve", help="resolve an incident by hand")
    resolve.add_argument("id", metavar="INCIDENT", help="an incident id")
    resolve.add_argument(
        "--state", metavar="DIR", default=argparse.SUPPRESS, help="the state folder"
    )
    resolve.add_argument("--note", metavar="TEXT", required=True, help="what was done")
    resolve.add_argument("--by", metavar="NAME", help="who resolves (default: the OS user)")
    resolve.add_argument("--json", action="store_true", help="one JSON line")

    silence = commands.add_parser(
        "silence", help="stop an incident's pages for a while (it stays open and counted)"
    )
    silence.add_argument("id", metavar="INCIDENT", help="an incident id")
    silence.add_argument(
        "--state", metavar="DIR", default=argparse.SUPPRESS, help="the state folder"
    )
    silence.add_argument(
        "--for", dest="duration", metavar="DURATION", required=True, help='how long: "30m", "2h"'
    )
    silence.add_argument("--note", metavar="TEXT", required=True, help="why")
    silence.add_argument("--by", metavar="NAME", help="who silences (default: the OS user)")
    silence.add_argument("--json", action="store_true", help="one JSON line")

    def body_options(command: argparse.ArgumentParser) -> None:
        group = command.add_mutually_exclusive_group()
        group.add_argument("--body", metavar="TEXT", help="the Markdown body")
        group.add_argument(
            "--body-file", metavar="FILE", help="read the body from FILE (- for standard input)"
        )
        command.add_argument(
            "--from", dest="sender", metavar="ROLE", help="the sending role (default [room] owner)"
        )
        command.add_argument("--json", action="store_true", help="one JSON line")
        command.add_argument(
            "--state", metavar="DIR", default=argparse.SUPPRESS, help="the state folder"
        )

    reply = commands.add_parser(
        "reply", help="answer a ticket: a response in the sender's inbox, then archive it"
    )
    reply.add_argument("id", metavar="ID", help="the ticket to answer")
    reply.add_argument(
        "--status",
        required=True,
        choices=("done", "rejected", "needs_clarification", "blocked", "answer"),
        help="the response's status (answer: a plain answer, status open)",
    )
    reply.add_argument("--keep", action="store_true", help="keep the answered ticket in its inbox")
    body_options(reply)

    archive = commands.add_parser("archive", help="move tickets into tickets/archive/<YYYY-MM>/")
    archive.add_argument("ids", metavar="ID", nargs="+", help="ticket ids")
    archive.add_argument("--json", action="store_true", help="one JSON line")
    archive.add_argument(
        "--state", metavar="DIR", default=argparse.SUPPRESS, help="the state folder"
    )

    file = commands.add_parser("file", help="write a new ticket into tickets/to_<ROLE>/")
    file.add_argument("--to", required=True, metavar="ROLE", help="the receiving role")
    file.add_argument("--subject", required=True, metavar="TEXT", help="one line")
    file.add_argument(
        "--priority", default="P2", choices=("P0", "P1", "P2", "P3"), help="default P2"
    )
    file.add_argument("--deliverable", metavar="TEXT", help="what done looks like")
    file.add_argument("--verify", metavar="URL", help="the URL that shows it live")
    body_options(file)

    for name in WRITING:  # also after the command: `sisyphus-room reply --read-only …` refuses
        commands.choices[name].add_argument(
            "--read-only",
            action="store_true",
            default=argparse.SUPPRESS,
            help="refuse to write (exit 1)",
        )

    rules = commands.add_parser(
        "rules", help="print Prometheus recording and alerting rules for the configured SLOs"
    )
    rules.add_argument("--state", metavar="DIR", default=argparse.SUPPRESS, help="the state folder")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`status | head`): quietly stop writing.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except SystemExit:
        raise
    except Exception as exc:  # the one place a surprise becomes a message, never a traceback
        print(one_line(exc), file=sys.stderr)
        return EXIT_INTERNAL


def _fail(message: str) -> int:
    print(f"sisyphus-room: {message}", file=sys.stderr)
    return EXIT_USAGE


def _main(argv: Sequence[str] | None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    _Parser.json_errors = "--json" in given
    args = build_parser().parse_args(given)
    now_override: datetime | None = None
    if getattr(args, "now", None):
        try:
            now_override = parse_iso(args.now)
        except ValueError:
            return _fail(f"--now {args.now!r}: expected an ISO 8601 date-time")
    if args.command is None:
        return _room(args)
    try:
        root = resolve_state_root(args.state)
        config = load_config(root)
    except (StateError, ConfigError) as exc:
        return _fail(str(exc))
    if args.command == "watch":
        if not 0 < args.time_scale <= 10000:
            return _fail(
                f"--time-scale {args.time_scale}: expected a number above 0, at most 10000"
            )
        from tui.headless import main as watch

        return watch(root, config, args.log_format, args.time_scale)
    if args.command in WRITING and args.read_only:
        if getattr(args, "json", False):
            print(json.dumps({"ok": False, "message": "refused: --read-only: nothing written"}))
        else:
            print("refused: --read-only: nothing written")
        return EXIT_ATTENTION
    if args.command in ("ack", "resolve", "silence"):
        from tui.acting import act

        return act(root, config, args)
    if args.command == "rules":
        from tui.ops.rules import render

        print(render(config), end="")
        return EXIT_OK
    if args.command in ("reply", "archive", "file"):
        from tui import acting

        command = {
            "reply": acting.reply_command,
            "archive": acting.archive_command,
            "file": acting.file_command,
        }[args.command]
        return command(root, config, args)
    from tui.overview import collect

    gc.disable()  # a one-shot process building many small objects: collection only costs time
    now = now_override or system_clock()
    snapshot = collect(root, config, now, probe=args.probe)
    if args.command == "status":
        if args.json:
            print(json.dumps(snapshot, ensure_ascii=False))
        else:
            from tui.view.snapshot import render_text

            print(render_text(snapshot, now))
        return EXIT_OK
    from tui.view.snapshot import check_reasons

    reasons = check_reasons(
        snapshot, require_verify=config.require_verify, unread_after=config.unread_after
    )
    for reason in reasons:
        print(reason)
    if not reasons:
        print("ok: nothing needs a person")
    return EXIT_ATTENTION if reasons else EXIT_OK


def _room(args: argparse.Namespace) -> int:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return _fail(
            "the room needs a terminal on its input and output; for the state as text or JSON "
            "use `sisyphus-room status [--json]`, and `sisyphus-room check` for an exit status"
        )
    demo = None
    if args.demo:
        from tui.demo.sample import prepare_demo

        kept = Path(args.state).expanduser().absolute() if args.state else None
        try:
            demo = prepare_demo(target=kept, fleet=True)
        except OSError as exc:
            return _fail(f"--demo --state {args.state}: {exc}")
        root = demo.root
    else:
        try:
            root = resolve_state_root(args.state)
        except StateError as exc:
            return _fail(str(exc))
    try:
        config = load_config(root)
    except ConfigError as exc:
        return _fail(str(exc))
    # No collection passes while the room starts (imports, widgets, the first scan: everything
    # built now lives on); the room freezes what it built and turns collection back on once painted.
    gc.disable()
    from tui.app import make_app  # Textual is imported only when the room opens

    app = make_app(root, config, read_only=args.read_only, theme=args.theme, demo=demo)
    app.run()
    if demo is not None:  # the command line works on the demo too: say where it is
        if demo.cleanup is None:
            print(
                f"The demo's state is kept in {root}. Try, while the demo runs or after:\n"
                f"  sisyphus-room status --state {root}\n"
                f"  sisyphus-room check --state {root}\n"
                f"  sisyphus-room watch --state {root}   (when no room has it open)",
                file=sys.stderr,
            )
        else:
            print(
                f"The demo ran on a copy in {root}, now removed. To keep one and try the command "
                "line on it (status, check, watch):\n  sisyphus-room --demo --state /tmp/demo",
                file=sys.stderr,
            )
    if app.crash_message:
        print(app.crash_message, file=sys.stderr)
        return EXIT_INTERNAL
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
