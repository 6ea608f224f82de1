from tests.generations.support import fast_client  # noqa: F401 (a fixture, found by name)
