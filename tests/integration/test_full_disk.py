"""The watcher on a full disk and on a state that turns read-only: probing, incidents and pages go
on from memory, what could not be saved is said (log, `check`), and written whole once the disk
takes it again. The state lives on a small tmpfs of its own (mounting one needs root: CI is)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import make_root, run_cli
from tests.integration.test_headless import configure, events, watching
from tests.servers import Recorder, Switch, recording_server, switch_server


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    try:
        yield mount
    finally:  # the tmpfs, and a read-only bind over it if the test stopped half-way
        while os.path.ismount(mount):
            if subprocess.run(["umount", "-l", str(mount)], capture_output=True).returncode:
                break


def fill(disk: Path) -> Path:
    """Fill the disk to the last block."""
    filler = disk / "filler"
    with filler.open("wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError:
            pass
    return filler


def read_only(mount: Path) -> None:
    """Remount the bind read-only. The kernel refuses (EBUSY) while a file is open for writing
    through it: the watcher may be in the middle of a write this instant, so it is tried again."""
    for _ in range(250):
        done = subprocess.run(["mount", "-o", "remount,bind,ro", str(mount)], capture_output=True)
        if done.returncode == 0:
            return
        time.sleep(0.02)  # the write in flight ends within milliseconds
    raise AssertionError(f"cannot remount {mount} read-only: {done.stderr.decode().strip()}")


@pytest.mark.parametrize("fault", ["full", "read-only"])
def test_a_full_or_read_only_disk_costs_records_never_the_page(
    small_disk: Path, fault: str
) -> None:
    root = make_root(small_disk / "state")
    switch = Switch()
    switch.up = True
    recorder = Recorder()
    with switch_server(switch) as port, recording_server(recorder) as hook_port:
        configure(root, {"a": port}, hook_port)
        with watching(root, "--time-scale", "600") as watch:
            watch.wait_for("round")
            if fault == "full":
                filler = fill(small_disk)
            else:
                # The watcher holds files open (its lock): a read-only bind of the same folder
                # over it turns every new write read-only.
                subprocess.run(["mount", "--bind", str(small_disk), str(small_disk)], check=True)
                read_only(small_disk)
            switch.up = False
            line = watch.wait_for("records not saved", timeout=20)
            assert "not saved" in line["text"]
            watch.wait_for("incident opened", timeout=20, site="a")
            page = recorder.wait_for(
                lambda got: [e for e in events(got) if e["kind"] == "incident"], timeout=20
            )
            assert page[0]["site"] == "a" and page[0]["state"] == "firing"
            if fault == "full":  # watcher.json is rewritten in place: `check` learns it
                said = run_cli(root, "check")
                assert said.returncode == 1
                lines = said.stdout.splitlines()
                assert any(r.startswith("records not saved since") for r in lines), lines
                assert "nobody is probing" not in said.stdout
            # (A read-only state takes no byte: only the log and the pages can say it.)
            if fault == "full":
                filler.unlink()
            else:
                # The bind goes (lazily: the watcher may be writing through it this instant).
                subprocess.run(["umount", "-l", str(small_disk)], check=True)
            watch.wait_for("records saved again", timeout=20)
            assert watch.stop() < 2.0
    data = json.loads(run_cli(root, "status", "--json").stdout)
    [incident] = [i for i in data["incidents"] if i["site"] == "a"]
    assert incident["id"] == page[0]["id"]  # written whole once the disk took it
    history = list((root / ".room" / "history").glob("minutes-*.jsonl"))
    for journal in history:  # no torn line from the full disk
        for text in journal.read_text().splitlines():
            json.loads(text)
    assert not [p for p in os.listdir(root / ".room") if p.endswith(".tmp")]
    shutil.rmtree(root)
