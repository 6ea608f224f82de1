"""The emulator over real HTTP for the contract tests in this folder.

Names are prefixed so they don't shadow the suite-wide `emulator` fixtures, which need
Django settings; these need nothing but the emulator itself.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from llmtr.emulator import Emulator
from llmtr.emulator.testing import running_emulator

API_KEY = "llmtr-contract-test-key"


@pytest.fixture(scope="session")
def llmtr_gateway() -> Iterator[tuple[Emulator, str]]:
    """(emulator, base_url) of one server for the whole session."""
    with running_emulator() as running:
        yield running


@pytest.fixture(autouse=True)
def _reset_llmtr_gateway(request: pytest.FixtureRequest) -> None:
    """A clean emulator before each test that uses it (no server for tests that don't)."""
    if "llmtr_gateway" in request.fixturenames:
        emulator, _ = request.getfixturevalue("llmtr_gateway")
        emulator.reset()


@pytest.fixture
def gateway(llmtr_gateway: tuple[Emulator, str]) -> Emulator:
    return llmtr_gateway[0]


@pytest.fixture
def base_url(llmtr_gateway: tuple[Emulator, str]) -> str:
    return llmtr_gateway[1]


@pytest.fixture
def api(base_url: str) -> Iterator[httpx.Client]:
    """A plain httpx client with a valid key (not llmtr.client: this tests the server)."""
    headers = {"Authorization": f"Bearer {API_KEY}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=20) as client:
        yield client
