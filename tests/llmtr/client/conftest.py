"""The client tests' fixtures, defined in support.py beside their helpers."""

from tests.llmtr.client.support import (  # noqa: F401 (fixtures are found by name)
    base_url,
    client,
    emu,
    local_server,
    make_client,
    served,
    sleep,
)
