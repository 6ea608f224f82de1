"""Untrusted content: SVG from the gateway, polyglot uploads, prompts full of markup,
security headers and Django's deployment checklist."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from generations import mirror, services, worker
from generations.catalog import find_model
from generations.inputs import upload_create
from generations.models import Generation
from generations.photos import PhotoRejected

ROOT = Path(__file__).resolve().parents[2]

EVIL_SVG = b"""<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     width="300" height="200" onload="alert(1)">
  <script>alert(2)</script>
  <rect width="300" height="200" fill="#123456" onclick="alert(3)"/>
  <a xlink:href="javascript:alert(4)"><text x="10" y="20">click</text></a>
  <image href="https://evil.example/track.png" width="10" height="10"/>
  <use href="#ok"/>
  <style>@import url(https://evil.example/x.css); rect { fill: red }</style>
  <rect style="fill: url(https://evil.example/p)" width="1" height="1"/>
  <foreignObject width="10" height="10"><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>
  <set attributeName="href" to="javascript:alert(5)"/>
</svg>"""


def test_an_svg_loses_everything_that_can_run_or_fetch():
    clean, width, height = mirror.sanitize_svg(EVIL_SVG)

    text = clean.decode().lower()
    for bad in (
        "<script",
        "onload",
        "onclick",
        "javascript:",
        "evil.example",
        "foreignobject",
        "<set",
    ):
        assert bad not in text, bad
    assert 'href="#ok"' in clean.decode()  # internal references stay
    assert (width, height) == (300, 200)


@pytest.mark.parametrize(
    "svg",
    [
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "xxxxxxxx">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>',
        b'<?xml version="1.0"?><!DOCTYPE svg SYSTEM "file:///etc/passwd"><svg xmlns="http://www.w3.org/2000/svg"/>',
        b"<svg xmlns='http://www.w3.org/2000/svg'><unclosed></svg>",
        b"<html><body>not svg</body></html>",
    ],
    ids=["entities", "external-dtd", "malformed", "not-svg"],
)
def test_a_hostile_or_broken_svg_is_refused(svg):
    with pytest.raises(mirror.ImageRejected):
        mirror.process(svg)


@pytest.mark.django_db
def test_a_polyglot_upload_is_rewritten_without_its_payload(owner, media_root):
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), "teal").save(buffer, "JPEG")
    polyglot = buffer.getvalue() + b"<script>alert(1)</script><?php system($_GET['c']); ?>"

    upload = upload_create(user=owner, data=polyglot, filename="cat.jpg.html")

    with default_storage.open(upload.file.name) as f:
        stored = f.read()
    assert b"<script" not in stored and b"<?php" not in stored
    assert upload.file.name.endswith(".jpg")
    assert upload.mime_type == "image/jpeg"


@pytest.mark.django_db
def test_huge_declared_dimensions_are_refused_before_decoding(owner, media_root):
    buffer = io.BytesIO()
    Image.new("L", (1, 1)).save(buffer, "PNG")
    png = bytearray(buffer.getvalue())
    png[16:24] = (60_000).to_bytes(4, "big") + (60_000).to_bytes(4, "big")  # IHDR width/height

    with pytest.raises(PhotoRejected):
        upload_create(user=owner, data=bytes(png), filename="huge.png")


XSS = '<script>alert("p")</script><img src=x onerror=alert(1)>'


@pytest.mark.django_db
def test_prompts_and_revised_prompts_are_escaped_on_every_page(
    owner_client, owner, catalog, media_root, emulator, monkeypatch, no_broker
):
    generation = services.generation_create(
        user=owner, model=find_model("google/gemini-3.1-flash-image"), prompt=XSS, params={}
    )
    worker.generation_run(generation_id=generation.pk)
    generation.refresh_from_db()
    assert XSS in generation.revised_prompt  # the emulator echoes the prompt back

    for url in (
        "/",
        f"/generations/{generation.pk}",
        f"/generations/{generation.pk}/card",
        "/history",
    ):
        html = owner_client.get(url).content.decode()
        assert "<script>alert" not in html, url
        assert "<img src=x" not in html, url
        assert "&lt;script&gt;" in html, url


@pytest.mark.django_db
def test_every_page_carries_the_security_headers(owner_client):
    response = owner_client.get("/")

    csp = response["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response  # not over plain HTTP


@pytest.mark.django_db
def test_hsts_is_sent_under_https(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True

    response = client.get("/accounts/login/", secure=True)

    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_the_deployment_checklist_is_clean_with_production_settings(tmp_path):
    env = {
        **os.environ,
        "DEBUG": "0",
        "HTTPS": "1",
        "SECRET_KEY": "x7" * 40 + "-production-like-secret",
        "ALLOWED_HOSTS": "studio.example.com",
        "STUDIO_VAR_DIR": str(tmp_path),
    }
    # The browser tests' harness sets this for Playwright; production never does.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_a_tampered_generation_form_gets_a_message_not_a_500(owner_client, catalog):
    for data in (
        {
            "model": "openai/gpt-image-2",
            "fields_for": "openai/gpt-image-2",
            "prompt": "x",
            "n": "99",
        },
        {"model": "nope/model", "fields_for": "nope/model", "prompt": "x"},
        {"model": "openai/gpt-image-2", "fields_for": "openai/gpt-image-2", "prompt": "x" * 40_000},
        {
            "model": "openai/gpt-image-2",
            "fields_for": "openai/gpt-image-2",
            "prompt": "x",
            "quality": "ultra",
        },
    ):
        response = owner_client.post("/generate", data)
        assert response.status_code in (200, 400, 422), data
        assert b"errorlist" in response.content or b"notice--error" in response.content, data
    assert not Generation.objects.exists()
