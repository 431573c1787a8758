"""Crash reports: only for the unexpected, created safely, and never more than KEEP of them."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import pytest

from tui.base.crash import KEEP, describe, one_line, write_report


@pytest.fixture
def temp_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def test_a_report_is_a_fresh_file_in_a_private_folder(temp_folder: Path) -> None:
    target = temp_folder / "victim"
    target.write_text("keep me")
    folder = temp_folder / f"sisyphus-room-{os.getuid()}"
    folder.mkdir(mode=0o755)
    for second in range(3):  # links planted at the names a clock would give are never followed
        (folder / f"sisyphus-room-crash-2026120{second}.txt").symlink_to(target)
    report = write_report(RuntimeError("boom"))
    assert report is not None and report.parent == folder
    assert "RuntimeError: boom" in report.read_text()
    assert not report.is_symlink() and target.read_text() == "keep me"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_a_planted_link_for_the_folder_gets_no_report(temp_folder: Path) -> None:
    elsewhere = temp_folder / "elsewhere"
    elsewhere.mkdir()
    (temp_folder / f"sisyphus-room-{os.getuid()}").symlink_to(elsewhere)
    assert write_report(RuntimeError("boom")) is None
    assert list(elsewhere.iterdir()) == []
    assert "unexpected error: RuntimeError: boom" in one_line(RuntimeError("boom"))


def test_reports_are_bounded(temp_folder: Path) -> None:
    for number in range(KEEP + 15):
        assert write_report(ValueError(str(number))) is not None
    folder = temp_folder / f"sisyphus-room-{os.getuid()}"
    assert len(list(folder.iterdir())) == KEEP


def test_an_expected_failure_is_described_without_a_report(temp_folder: Path) -> None:
    said = describe(ConnectionRefusedError(111, "Connection refused\x1b[2J"))
    assert said == "ConnectionRefusedError: [Errno 111] Connection refused␛[2J"
    assert list(temp_folder.iterdir()) == []
