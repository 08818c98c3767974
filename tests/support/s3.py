"""A real S3 API for tests: moto's server on 127.0.0.1, started once per test session."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.network import free_port

MOTO_SERVER = str(Path(sys.executable).with_name("moto_server"))
REGION = "eu-central-1"  # bucket creation failed with us-east-1 (FIELD-NOTES.md)


@dataclass(frozen=True)
class MotoS3:
    endpoint_url: str
    bucket: str

    def options(self) -> dict[str, Any]:
        """s3fs options for this server, as `LMS_STORAGE_OPTIONS` would carry them."""
        return {
            "key": "testing",
            "secret": "testing",
            "endpoint_url": self.endpoint_url,
            "client_kwargs": {"region_name": REGION},
            "config_kwargs": {"s3": {"addressing_style": "path"}},
            "skip_instance_cache": True,
            "use_listings_cache": False,
        }

    def url(self) -> str:
        """A fresh prefix in the bucket, so that tests never see each other's objects."""
        return f"s3://{self.bucket}/t-{uuid.uuid4().hex[:12]}"

    def filesystem(self) -> Any:
        import s3fs  # type: ignore[import-untyped]

        return s3fs.S3FileSystem(**self.options())


@pytest.fixture(scope="session")
def moto_s3() -> Iterator[MotoS3]:
    port = free_port()
    process = subprocess.Popen(
        [MOTO_SERVER, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail(f"moto_server exited with {process.returncode}")
            try:
                httpx.get(f"{endpoint}/moto-api/", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    pytest.fail("moto_server did not start within 30 s")
                time.sleep(0.1)
        server = MotoS3(endpoint_url=endpoint, bucket="lms-test-files")
        server.filesystem().mkdir(server.bucket)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
