from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

from tests.helpers import make_root

# No per-example deadline: the suite runs on four workers over two cores, and a timing assertion
# in a unit test is a flake (speed is measured in the benchmarks).
settings.register_profile("suite", deadline=None)
settings.load_profile("suite")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return make_root(tmp_path)
