"""Running a shell command with a deadline: the containers probe and the command channel."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal


async def run_command(
    command: str, timeout: float, stdin: bytes | None = None
) -> tuple[int | None, bytes, bytes]:
    """Run a shell command in its own process group; at `timeout` the whole group is killed.

    Returns (exit status, stdout, stderr); the status is None when the command timed out. Output is
    read until the command ends, never after the kill: a child that escaped the group and holds the
    pipes open cannot hold the caller.
    """
    process = await asyncio.create_subprocess_shell(
        command,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        start_new_session=True,  # its own process group: a timeout kills the children too
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(stdin), timeout)
    except TimeoutError:
        await _kill_group(process)
        return None, b"", b""
    except asyncio.CancelledError:  # the round's deadline: the command goes with it
        await _kill_group(process)
        raise
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
