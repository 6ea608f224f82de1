import pytest


@pytest.fixture(autouse=True)
def _no_worker(no_broker):
    """No worker runs in these tests: tasks are recorded, not sent (tests/conftest.py)."""
