"""Issue 11: SVG from a hostile gateway. The sanitiser is an allowlist; nothing it
keeps can fetch or run, and a size it cannot read never strands a generation."""

from __future__ import annotations

import re

import pytest

from generations import mirror, services, worker
from generations.catalog import find_model
from generations.models import Generation
from spend.models import GatewayAttempt

SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="40" height="30">{}</svg>'

LEAKS = {
    "fill-url": '<rect width="5" height="5" fill="url(https://evil.example/a)"/>',
    "filter-url": '<g filter="url(https://evil.example/f#x)"><rect width="1" height="1"/></g>',
    "style-escape": r'<rect width="5" height="5" style="fill: \75 rl(https://evil.example/b)"/>',
    "sheet-import-escape": r'<style>@\69mport "https://evil.example/c.css";</style>',
    "sheet-url": "<style>rect { fill: url(https://evil.example/d) }</style>",
    "sheet-after-child": "<style>a{}<g/>rect{background:url(https://evil.example/e)}</style>",
    "relative-url": '<rect width="5" height="5" fill="url(/steal)"/>',
    "image-href": '<image href="https://evil.example/g.png" width="5" height="5"/>',
    "xlink-href": '<use xlink:href="https://evil.example/h.svg#x"/>',
    "feimage": '<filter id="f"><feImage href="https://evil.example/i"/></filter>',
    "mask-url": '<rect mask="url(&quot;https://evil.example/j&quot;)" width="1" height="1"/>',
    "marker-url": '<path d="M0 0L1 1" marker-end="url(//evil.example/k)"/>',
}


def fetches_outside(clean: bytes) -> list[str]:
    text = clean.decode()
    urls = re.findall(r"url\(([^)]*)\)", text) + re.findall(r'href="([^"]*)"', text)
    outside = [u for u in urls if not u.strip("'\" ").startswith("#")]
    if "evil.example" in text or "@import" in text or "\\" in text:
        outside.append("mentions the outside")
    return outside


@pytest.mark.parametrize("name", sorted(LEAKS))
def test_no_reference_leaves_the_file(name):
    clean, _, _ = mirror.sanitize_svg(SVG.format(LEAKS[name]).encode())
    assert fetches_outside(clean) == [], clean


def test_what_is_drawn_and_referenced_inside_the_file_stays():
    body = (
        '<defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient>'
        '<filter id="blur"><feGaussianBlur stdDeviation="2"/></filter></defs>'
        '<rect id="r" width="40" height="30" fill="url(#g)" filter="url(#blur)"'
        ' style="stroke: red; stroke-width: 2"/><use href="#r" x="2"/>'
        '<text x="1" y="10" font-family="serif">kite</text>'
    )
    clean, width, height = mirror.sanitize_svg(SVG.format(body).encode())
    text = clean.decode()
    for kept in ('fill="url(#g)"', 'filter="url(#blur)"', 'href="#r"', ">kite</text>",
                 "stroke:red", "<feGaussianBlur", 'stop-color="#fff"'):  # fmt: skip
        assert kept in text, kept
    assert (width, height) == (40, 30)


@pytest.mark.parametrize(
    "root",
    [
        'viewBox="0 0 abc def"',
        'width="nan" height="nan"',
        'width="1e999" height="1e999"',
        'width="1.2.3" height="4"',
        'viewBox="0 0 -5 1e400"',
        'width="inf" height="10"',
    ],
)
def test_a_size_that_cannot_be_read_falls_back_instead_of_failing(root):
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" {root}><rect width="1" height="1"/></svg>'
    clean, width, height = mirror.sanitize_svg(svg.encode())
    assert (width, height) == (1024, 1024)
    assert b"nan" not in clean and b"1e999" not in clean and b"abc" not in clean


@pytest.mark.django_db
def test_an_exception_while_keeping_results_ends_the_generation_at_once(
    owner, catalog, media_root, emulator, monkeypatch
):
    def explode(data):
        raise OverflowError("cannot convert float infinity to integer")

    monkeypatch.setattr(mirror, "process", explode)
    generation = services.generation_create(
        user=owner, model=find_model("recraft/recraft-v4-vector"), prompt="a kite", params={"n": 1}
    )
    worker.generation_run(generation_id=generation.pk)

    generation = Generation.objects.get(pk=generation.pk)
    assert generation.status == "failed"
    assert generation.lease_expires_at is None
    assert "could not read or store the images" in generation.error_message
    assert "infinity" not in generation.error_message  # Python's words stay in the log
    assert generation.cost == generation.estimated_cost  # answered, so billed
    assert GatewayAttempt.objects.get(generation=generation).outcome == "answered"
    assert len([r for r in emulator.requests() if r["path"].startswith("/v1/images")]) == 1


def test_an_undecodable_image_is_described_without_python_internals():
    with pytest.raises(mirror.ImageRejected) as caught:
        mirror.process(b"\x89PNG\r\n\x1a\n not really a png at all")
    message = str(caught.value)
    assert "could not be decoded" in message
    assert "object at 0x" not in message and "<_io" not in message and "BytesIO" not in message
