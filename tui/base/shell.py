"""Running a shell command with a deadline: the containers probe and the command channel.

Each command runs in its own process group, killed whole at its timeout, when the caller is
cancelled, and by `kill_running()` when the program stops (so a page a command was sending is not
finished by an orphan after the watcher is gone and sent again by the next one). Its output is
read to the end but only the first `OUTPUT_CAP` bytes of each stream are kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading

OUTPUT_CAP = 64 << 10  # bytes of stdout and of stderr kept; the rest is read and dropped

_running: set[int] = set()  # process group ids of the commands still running
_running_lock = threading.Lock()
_kills = 0  # how many times kill_running() ran: a command started before one goes with it


def kill_running() -> int:
    """Kill the process group of every command still running; returns how many. A command
    being started meanwhile (not yet in the set) is killed as soon as it is (`run_command`)."""
    global _kills
    with _running_lock:
        _kills += 1
        groups = list(_running)
        _running.clear()
    for group in groups:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)
    return len(groups)


async def _read_capped(stream: asyncio.StreamReader | None, cap: int) -> bytes:
    kept = bytearray()
    if stream is None:
        return b""
    while chunk := await stream.read(65536):
        if len(kept) < cap:
            kept += chunk[: cap - len(kept)]
    return bytes(kept)


async def _feed(process: asyncio.subprocess.Process, stdin: bytes | None) -> None:
    if stdin is None or process.stdin is None:
        return
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        process.stdin.write(stdin)
        await process.stdin.drain()
    process.stdin.close()


async def _talk(
    process: asyncio.subprocess.Process, stdin: bytes | None, cap: int
) -> tuple[bytes, bytes]:
    _, out, err = await asyncio.gather(
        _feed(process, stdin), _read_capped(process.stdout, cap), _read_capped(process.stderr, cap)
    )
    await process.wait()
    return out, err


async def run_command(
    command: str, timeout: float, stdin: bytes | None = None, cap: int = OUTPUT_CAP
) -> tuple[int | None, bytes, bytes]:
    """Run a shell command in its own process group; at `timeout` the whole group is killed.

    Returns (exit status, stdout, stderr), each stream cut at `cap` bytes; the status is None when
    the command timed out. Output is read until the command ends, never after the kill: a child
    that escaped the group and holds the pipes open cannot hold the caller.
    """
    with _running_lock:
        kills = _kills
    process = await asyncio.create_subprocess_shell(
        command,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        start_new_session=True,  # its own process group: a timeout kills the children too
    )
    with _running_lock:
        # Killed while it started (the program is stopping): it runs already, out of the set.
        stopped = kills != _kills
        if not stopped:
            _running.add(process.pid)
    if stopped:
        await _kill_group(process)
        return None, b"", b""
    try:
        out, err = await asyncio.wait_for(_talk(process, stdin, cap), timeout)
    except TimeoutError:
        await _kill_group(process)
        return None, b"", b""
    except asyncio.CancelledError:  # the round's deadline: the command goes with it
        await _kill_group(process)
        raise
    finally:
        with _running_lock:
            _running.discard(process.pid)
    return process.returncode, out, err


async def _kill_group(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(TimeoutError, ProcessLookupError):
        await asyncio.wait_for(process.wait(), 1.0)
    for pipe in (process.stdout, process.stderr):  # stop reading: an escaped child may hold them
        transport = getattr(pipe, "_transport", None)
        if transport is not None:
            transport.close()
