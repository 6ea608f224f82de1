"""The LLMTR HTTP client: the only module that talks to the gateway (and imports httpx).

Retry policy (contract section 2): a request is sent again only when the gateway said
so (429, 5xx) or when nothing reached it (a failure to connect), at most `max_retries`
times, with exponential backoff, jitter and `Retry-After`. A generation that was sent
and then timed out may have been billed, so it is never retried here.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from llmtr import errors
from llmtr.answers import (
    CatalogModel,
    ImageResult,
    UploadedFile,
    parse_catalog,
    parse_images,
)

log = logging.getLogger("llmtr.client")

DEFAULT_MAX_DOWNLOAD = 64 * 1024 * 1024
DEFAULT_MAX_RESPONSE = 128 * 1024 * 1024


@dataclass(frozen=True)
class Timeouts:
    connect: float = 5.0
    read: float = 180.0  # image models can take minutes at high quality
    write: float = 60.0
    pool: float = 10.0

    def as_httpx(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)


def normalise_base_url(url: str) -> str:
    """`https://llmtr.com`, `https://llmtr.com/` and `https://llmtr.com/v1` are one host root."""
    url = url.strip().rstrip("/")
    if url.endswith("/v1"):
        url = url[: -len("/v1")]
    return url


class LLMTRClient:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeouts: Timeouts | None = None,
        max_retries: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 20.0,
        max_download_bytes: int = DEFAULT_MAX_DOWNLOAD,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = normalise_base_url(base_url)
        self._api_key = api_key
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_download_bytes = max_download_bytes
        # An answer carries its images as base64 (4 characters for 3 bytes), up to n.
        self.max_response_bytes = max_response_bytes
        self._sleep = sleep
        # No default auth header: result downloads go to other hosts and must not
        # carry the key. API calls add it per request.
        self._http = httpx.Client(
            timeout=(timeouts or Timeouts()).as_httpx(),
            transport=transport,
            headers={"User-Agent": "llmtr-studio/1"},
            follow_redirects=False,
            # One client serves every worker thread: allow as many calls in flight.
            limits=httpx.Limits(max_connections=512, max_keepalive_connections=128),
        )

    def __repr__(self) -> str:
        return f"LLMTRClient(base_url={self.base_url!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> LLMTRClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- endpoints -----------------------------------------------------------------

    def list_models(self, operation: str = "IMAGES_GENERATIONS") -> list[CatalogModel]:
        payload = self._request("GET", "/api/models", params={"operation": operation})
        return parse_catalog(payload)

    def generate(self, body: Mapping[str, Any]) -> ImageResult:
        return parse_images(self._request("POST", "/v1/images/generations", json=dict(body)))

    def edit(self, body: Mapping[str, Any]) -> ImageResult:
        return parse_images(self._request("POST", "/v1/images/edits", json=dict(body)))

    def upload_file(
        self,
        content: bytes,
        *,
        filename: str,
        mime_type: str,
        purpose: str = "vision_reference",
        provider: str = "google",
    ) -> UploadedFile:
        payload = self._request(
            "POST",
            "/v1/files",
            data={"purpose": purpose, "provider": provider},
            files={"file": (filename, content, mime_type)},
        )
        try:
            return UploadedFile(
                id=str(payload["id"]),
                filename=str(payload.get("filename") or filename),
                bytes=int(payload.get("bytes") or len(content)),
                mime_type=str(payload.get("mime_type") or mime_type),
                created_at=int(payload.get("created_at") or time.time()),
                purpose=str(payload.get("purpose") or purpose),
                provider=str(payload.get("provider") or provider),
            )
        except (KeyError, TypeError, ValueError):
            raise errors.MalformedResponse("The file upload answer has no file id.") from None

    def download(self, url: str) -> tuple[bytes, str]:
        """Fetch a result URL at once (they expire), streamed and capped in size.

        Returns the bytes and the Content-Type. Never sends the API key.
        """
        if not url.startswith(("https://", "http://")):
            raise errors.DownloadFailed("The gateway returned a result URL that is not http(s).")
        for attempt in range(self.max_retries + 1):
            try:
                # Result hosts may redirect (CDNs); safe, as downloads carry no key.
                with self._http.stream("GET", url, follow_redirects=True) as response:
                    if response.status_code in (404, 410):
                        raise errors.DownloadFailed(
                            "The result URL had already expired when the studio fetched it.",
                            status=response.status_code,
                        )
                    if response.status_code >= 500 and attempt < self.max_retries:
                        self._pause(attempt, None)
                        continue
                    if response.status_code != 200:
                        raise errors.DownloadFailed(
                            f"Fetching the result URL answered HTTP {response.status_code}.",
                            status=response.status_code,
                        )
                    return self._read_capped(response), response.headers.get("content-type", "")
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                if attempt == self.max_retries:
                    raise errors.DownloadFailed(f"Could not fetch the result URL: {exc}") from None
                self._pause(attempt, None)
            except httpx.HTTPError as exc:
                raise errors.DownloadFailed(
                    f"Fetching the result URL failed: {type(exc).__name__}."
                ) from None
        raise AssertionError("unreachable")

    def _read_capped(
        self,
        response: httpx.Response,
        limit: int | None = None,
        too_large: Callable[[], errors.LLMTRError] | None = None,
    ) -> bytes:
        """The body, read in chunks and refused past `limit` bytes (a result image's cap
        by default), so a hostile answer cannot fill the worker's memory."""
        limit = limit or self.max_download_bytes
        too_large = too_large or (
            lambda: errors.DownloadFailed("The result image is larger than the studio accepts.")
        )
        declared = response.headers.get("content-length")
        if declared and declared.isascii() and declared.isdigit() and int(declared) > limit:
            raise too_large()
        chunks, total = [], 0
        for chunk in response.iter_bytes():
            total += len(chunk)
            if total > limit:
                raise too_large()
            chunks.append(chunk)
        return b"".join(chunks)

    def _answer_too_large(self) -> errors.LLMTRError:
        return errors.MalformedResponse(
            "The gateway's answer is larger than the studio accepts "
            f"({self.max_response_bytes // (1024 * 1024)} MB)."
        )

    # --- transport -----------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        url = self.base_url + path
        headers = {"Authorization": f"Bearer {self._api_key}"}
        for attempt in range(self.max_retries + 1):
            started = time.monotonic()
            try:
                with self._http.stream(method, url, headers=headers, **kwargs) as response:
                    body = self._read_capped(
                        response, self.max_response_bytes, self._answer_too_large
                    )
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                error: errors.LLMTRError = errors.ConnectFailed(
                    self._scrub(f"Could not connect to the gateway: {exc}")
                )
            except httpx.TimeoutException:
                raise errors.ResponseTimeout(
                    "The gateway did not answer in time. The request may still have been "
                    "processed (and billed), so it was not sent again."
                ) from None
            except httpx.HTTPError as exc:
                raise errors.ConnectionLost(
                    self._scrub(
                        f"The connection to the gateway broke after the request was sent "
                        f"({type(exc).__name__}); it was not sent again."
                    )
                ) from None
            else:
                log.info(
                    "llmtr %s %s -> %s in %.2fs (attempt %d)",
                    method,
                    path,
                    response.status_code,
                    time.monotonic() - started,
                    attempt + 1,
                )
                if response.is_success:
                    return self._json(response, body)
                error = errors.error_from_response(response.status_code, body, response.headers)
                error.message = self._scrub(error.message)
                error.args = (error.message,)
                error.details = self._scrub(error.details)  # kept as metadata: scrub it too
            if not error.retryable or attempt == self.max_retries:
                raise error
            retry_after = getattr(error, "retry_after", None)
            if retry_after is not None and retry_after > self.max_backoff:
                raise error  # the gateway asks for longer than we may block a worker
            self._pause(attempt, retry_after)
        raise AssertionError("unreachable")

    def _pause(self, attempt: int, retry_after: float | None) -> None:
        if retry_after is not None:
            delay = retry_after + random.uniform(0, self.backoff)
        else:
            base = min(self.max_backoff, self.backoff * 2**attempt)
            delay = base / 2 + random.uniform(0, base / 2)
        self._sleep(delay)

    def _json(self, response: httpx.Response, body: bytes) -> Any:
        try:
            return json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise errors.MalformedResponse(
                "The gateway answered with something that is not JSON.",
                status=response.status_code,
            ) from None

    def _scrub(self, value: Any) -> Any:
        """The value with the API key replaced, in every string of nested dicts and lists."""
        if isinstance(value, dict):
            return {k: self._scrub(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._scrub(v) for v in value]
        if isinstance(value, str) and self._api_key:
            return value.replace(self._api_key, "[redacted]")
        return value
