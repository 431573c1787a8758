"""Special files where the room reads or writes: FIFOs, devices, links, folders. Nothing blocks,
nothing is read without end, nothing is written through a link."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import run_cli, stamp, write_ticket
from tui.base.clock import system_clock
from tui.base.config_reading import load_config
from tui.base.paths import room_dir
from tui.base.writer_lock import WriterLock
from tui.ops.checks import ProbeResult
from tui.ops.engine import Operations
from tui.view.ticket import build_detail

run = run_cli


@pytest.fixture
def state(root: Path) -> Path:
    write_ticket(root, "operator", "T-1", sender="architect", deliverable="d", created=stamp(5))
    return root


@pytest.mark.parametrize("name", ["probes.json", "incidents.json", "acks.json", "freeze.json"])
@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "folder"])
def test_a_room_file_that_is_no_file_is_set_aside_or_skipped(
    state: Path, name: str, kind: str
) -> None:
    folder = room_dir(state)
    folder.mkdir()
    path = folder / name
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    else:
        path.mkdir()
    for command in ("status", "check"):
        result = run(state, command, "--json") if command == "status" else run(state, command)
        assert result.returncode in (0, 1), result.stderr
        assert "Traceback" not in result.stderr


def test_config_that_is_a_fifo_or_a_device_is_a_config_error(state: Path) -> None:
    config = state / "sisyphus.toml"
    os.mkfifo(config)
    result = run(state, "status")
    assert (
        result.returncode == 2
        and "sisyphus.toml: cannot be read: not a regular file (a FIFO)" in result.stderr
    )
    config.unlink()
    config.symlink_to("/dev/zero")
    result = run(state, "status")
    assert result.returncode == 2 and "a symbolic link, not a file" in result.stderr


def test_the_lock_and_the_journal_are_never_written_through_a_link(
    state: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "precious.txt"
    outside.write_text("keep me\n")
    folder = room_dir(state)
    (folder / "history").mkdir(parents=True)
    (folder / "lock").symlink_to(outside)
    lock = WriterLock(folder)
    assert not lock.acquire()  # a room that cannot take the lock only reads
    (folder / "lock").unlink()
    (state / "sisyphus.toml").write_text('[[sites]]\nname = "a"\nurl = "http://a.example/"\n')
    ops = Operations(state, load_config(state), writer=True, now=system_clock())
    now = system_clock()
    journal = ops.history.journal_path(int(now.timestamp()) // 3600 * 3600)
    journal.symlink_to(outside)
    outcome = ops.record([ProbeResult("a", "http", True, 10.0, "200 OK", now)], now)
    assert outside.read_text() == "keep me\n"
    assert any("not a regular file" in p or "not saved" in p for p in outcome.problems)


def test_a_fifo_named_like_a_ticket_opens_without_blocking(state: Path) -> None:
    from tui.bus.scanner import Scanner

    os.mkfifo(state / "tickets" / "to_operator" / "pipe.md")
    bus = Scanner(state).scan()
    [bad] = bus.malformed
    assert bad.reason == "not a regular file"
    detail = build_detail(
        state, bad.path, bus, system_clock(), load_config(state).stale_after, set()
    )
    assert "not a regular file (a FIFO)" in detail.body


def test_a_link_out_of_the_root_is_never_shown(state: Path, tmp_path: Path) -> None:
    from tui.bus.scanner import Scanner

    secret = tmp_path / "secret.md"
    secret.write_text("---\nfrom: x\n---\nthe password is hunter2\n")
    (state / "tickets" / "to_operator" / "leak.md").symlink_to(secret)
    bus = Scanner(state).scan()
    [bad] = bus.malformed
    detail = build_detail(
        state, bad.path, bus, system_clock(), load_config(state).stale_after, set()
    )
    assert "hunter2" not in detail.body and "leads outside the state folder" in detail.body
    assert json.dumps(detail.fields).count("hunter2") == 0


def test_files_the_room_writes_get_the_mode_a_ticket_would(tmp_path: Path) -> None:
    script = (
        "import os, sys; os.umask(0o022); from pathlib import Path;"
        "from tui.base.paths import write_atomic;"
        "write_atomic(Path(sys.argv[1]), b'x')"
    )
    target = tmp_path / "freeze.json"
    subprocess.run([sys.executable, "-c", script, str(target)], check=True, timeout=30)
    assert target.stat().st_mode & 0o777 == 0o644  # mkstemp alone gives 0600


def test_what_the_room_cannot_see_is_a_reason_for_check(root: Path, tmp_path: Path) -> None:
    write_ticket(
        root,
        "operator",
        "Q-1",
        sender="architect",
        deliverable="d",
        created=stamp(90),
        status="needs_clarification",
    )
    (root / "tickets" / "to_loop").symlink_to(root / "tickets" / "to_loop")  # a link loop
    write_ticket(tmp_path, "x", "secret", sender="a", deliverable="d")  # beside the root
    (root / "tickets" / "to_outside").symlink_to(tmp_path / "tickets" / "to_x")
    result = run(root, "check")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any(line.startswith("stale clarification: Q-1") for line in lines)  # still seen
    assert (
        "cannot see: tickets/to_loop: cannot be read (Too many levels of symbolic links)" in lines
    )
    assert (
        "cannot see: tickets/to_outside: a link to a folder outside the state folder; not read"
        in lines
    )
    data = json.loads(run(root, "status", "--json").stdout)
    assert [t["id"] for t in data["tickets"]] == ["Q-1"] and len(data["unreadable"]) == 2


def test_many_tickets_sharing_one_id_stay_small(root: Path) -> None:
    from tui.bus.scanner import Scanner

    for n in range(300):
        write_ticket(root, "operator", f"t{n:03d}", id="SAME", sender="a", deliverable="d")
    bus = Scanner(root).scan()
    notes = [w for t in bus.tickets for w in t.warnings if "also used by" in w]
    assert len(notes) == 300
    assert max(len(note) for note in notes) < 200 and notes[0].endswith("and 296 more")


def test_temp_files_left_by_a_killed_writer_are_swept(root: Path) -> None:
    folder = room_dir(root)
    (folder / "history").mkdir(parents=True)
    old = [folder / ".probes.json.abc.tmp", folder / "history" / ".hours-x.json.def.tmp"]
    fresh = folder / ".acks.json.ghi.tmp"  # perhaps being written right now
    for path in [*old, fresh]:
        path.write_text("half")
    for path in old:
        os.utime(path, (1, 1))
    Operations(root, load_config(root), writer=True, now=system_clock())
    assert not any(path.exists() for path in old) and fresh.exists()
    reader_left = folder / ".freeze.json.jkl.tmp"
    reader_left.write_text("half")
    os.utime(reader_left, (1, 1))
    Operations(root, load_config(root), writer=False, now=system_clock())
    assert reader_left.exists()  # only the writer sweeps


def _bind_socket(path: Path) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))
    sock.listen(1)
    return sock


def test_a_socket_or_a_folder_named_like_a_ticket_is_one_malformed_row(state: Path) -> None:
    from tui.bus.scanner import Scanner

    inbox = state / "tickets" / "to_operator"
    sock = _bind_socket(inbox / "sock.md")
    (inbox / "folder.md").mkdir()
    try:
        bus = Scanner(state).scan()
        reasons = {Path(bad.path).name: bad.reason for bad in bus.malformed}
        print(reasons)
        assert reasons.get("sock.md") == "not a regular file"
        assert [t.id for t in bus.tickets] == ["T-1"]  # the good ticket is still read
        detail = build_detail(
            state,
            inbox / "sock.md",
            bus,
            system_clock(),
            load_config(state).stale_after,
            set(),
        )
        assert "not a regular file (a socket)" in detail.body
        result = run(state, "check")
        assert result.returncode == 1 and "Traceback" not in result.stderr
    finally:
        sock.close()


@pytest.mark.parametrize("name", ["probes.json", "incidents.json", "acks.json", "lock"])
def test_a_room_file_that_is_a_socket_never_blocks(state: Path, name: str) -> None:
    folder = room_dir(state)
    folder.mkdir()
    sock = _bind_socket(folder / name)
    try:
        for args in (("status", "--json"), ("check",), ("status", "--probe")):
            result = run(state, *args)
            assert result.returncode in (0, 1), result.stderr
            assert "Traceback" not in result.stderr
    finally:
        sock.close()


def test_a_config_that_is_a_socket_is_a_config_error(state: Path) -> None:
    sock = _bind_socket(state / "sisyphus.toml")
    try:
        result = run(state, "status")
        assert result.returncode == 2
        assert "sisyphus.toml: cannot be read: not a regular file (a socket)" in result.stderr
    finally:
        sock.close()


@pytest.fixture
def full_disk(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A real file system that is full: a 256 KiB tmpfs (mounting needs root; CI runs as root)."""
    where = tmp_path / "small"
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"mounting a tmpfs needs root: {mounted.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_on_a_full_disk_reading_commands_still_answer_and_writes_are_reported(
    full_disk: Path,
) -> None:
    root = full_disk
    write_ticket(root, "operator", "T-1", sender="architect", deliverable="d", created=stamp(5))
    (root / "sisyphus.toml").write_text(
        '[[sites]]\nname = "a"\nurl = "http://127.0.0.1:9/"\ntimeout = "1s"\n'
    )
    room_dir(root).mkdir()
    filler = root / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:  # fill the disk to the last block
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    for args in (("status",), ("status", "--json"), ("check",), ("status", "--probe")):
        result = run(root, *args)
        assert result.returncode in (0, 1), (args, result.stderr)
        assert "Traceback" not in result.stderr
    result = run(root, "status", "--json", "--probe")
    data = json.loads(result.stdout)
    assert any("No space left on device" in p for p in data["problems"]), data["problems"]
    assert [t["id"] for t in data["tickets"]] == ["T-1"]


def test_a_file_rewritten_with_what_it_holds_is_left_alone(tmp_path: Path) -> None:
    """Deliveries are saved every round: unchanged, the file is not replaced (no rename, no sync)."""
    from tui.base.paths import write_if_changed

    target = tmp_path / "deliveries.json"
    assert write_if_changed(target, b'{"a": 1}')
    before = target.stat()
    assert not write_if_changed(target, b'{"a": 1}')
    assert target.stat().st_ino == before.st_ino  # the same file, not a new one renamed in
    assert write_if_changed(target, b'{"a": 2}') and target.read_bytes() == b'{"a": 2}'
    assert (
        write_if_changed(target, b'{"a": 2, "b": 3}') and target.read_bytes() == b'{"a": 2, "b": 3}'
    )
    assert write_if_changed(target, b'{"a": 2}') and target.read_bytes() == b'{"a": 2}'  # shorter
    target.unlink()
    (tmp_path / "elsewhere.json").write_bytes(b'{"a": 2}')
    target.symlink_to(tmp_path / "elsewhere.json")  # holds the bytes, but through a link
    assert write_if_changed(target, b'{"a": 2}') and not target.is_symlink()
