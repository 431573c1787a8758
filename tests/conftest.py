from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from tests import schemas
from tests.helpers import make_root

# No per-example deadline: the suite runs on four workers over two cores, and a timing assertion
# in a unit test is a flake (speed is measured in the benchmarks).
settings.register_profile("suite", deadline=None)
settings.load_profile("suite")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return make_root(tmp_path)


@pytest.fixture(autouse=True, scope="session")
def _outputs_match_their_schemas() -> Iterator[None]:
    """Every run of the program through subprocess.run: its JSON checked against docs/schema/."""
    real = subprocess.run

    def run(*args: Any, **kwargs: Any) -> subprocess.CompletedProcess[Any]:
        done = real(*args, **kwargs)
        argv = args[0] if args else kwargs.get("args")
        if isinstance(argv, list) and isinstance(done.stdout, str) and done.returncode in (0, 1, 2):
            schemas.checked([str(a) for a in argv], done.stdout)
        return done

    subprocess.run = run  # type: ignore[assignment]
    yield
    subprocess.run = real  # type: ignore[assignment]
