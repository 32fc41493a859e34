"""Fixtures for the pure tally-engine tests: no app, no database."""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PABULIB_DIR = Path(os.environ.get("PB_PABULIB_DIR", REPO.parent / "shared" / "data" / "pabulib"))


@pytest.fixture(autouse=True)
def _clean_database():
    """Replaces the suite-wide database cleaner: these tests never touch the app."""
    yield


@pytest.fixture(scope="session")
def pabulib_dir() -> Path:
    """The folder of real pabulib files; skipped if absent, a failure with PB_REQUIRE_SERVICES=1."""
    if not PABULIB_DIR.is_dir() or not any(PABULIB_DIR.glob("*.pb")):
        reason = f"no pabulib data folder at {PABULIB_DIR} (set PB_PABULIB_DIR)"
        if os.environ.get("PB_REQUIRE_SERVICES") == "1":
            pytest.fail(f"required by PB_REQUIRE_SERVICES=1: {reason}")
        pytest.skip(reason)
    return PABULIB_DIR
