"""One rule for `next`: only this site's own URLs are followed."""

from __future__ import annotations

import pytest

from studio.http import safe_next


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/gallery?page=2", "/gallery?page=2"),
        ("https://evil.example/", "/gallery"),
        ("//evil.example/x", "/gallery"),
        ("javascript:alert(1)", "/gallery"),
        ("", "/gallery"),
    ],
)
def test_only_this_sites_urls_are_followed(rf, target, expected):
    assert safe_next(rf.get("/"), target, "gallery") == expected
