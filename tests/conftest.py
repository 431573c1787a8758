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


# The workers take tests in collection order, one each in turn at the start. The tests that wait
# longest (real servers, watchers paced in seconds) go first, so that none of them starts last
# and holds the suite's end while the other workers sit idle; the quick unit tests fill the gaps.
LONGEST_FIRST = (
    "tests/integration/test_prometheus.py",
    "tests/integration/test_full_disk.py",
    "tests/integration/test_headless.py",
    "tests/app/test_operations.py",
    "tests/integration/test_incidents.py",
    "tests/integration/test_budgets.py",
    "tests/integration/test_maintenance.py",
    "tests/integration/test_notify_faults.py",
    "tests/integration/test_deliveries.py",
)
KIND_ORDER = ("tests/integration/", "tests/e2e/", "tests/app/", "tests/unit/")


def _start_rank(item: pytest.Item) -> tuple[int, int]:
    path = item.nodeid.split("::", 1)[0]
    if path in LONGEST_FIRST:
        return 0, LONGEST_FIRST.index(path)
    kind = next((n for n, prefix in enumerate(KIND_ORDER) if path.startswith(prefix)), 9)
    return 1, kind


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_start_rank)  # stable: a file's tests keep their order


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
