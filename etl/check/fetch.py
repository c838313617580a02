"""HTTP for live checks: one answer per probe, within explicit limits.

- Per-host rate: a token bucket per host with a burst of one, so two requests to one host are at least 1/rate
  seconds apart (retries and redirect hops count as requests).
- Timeouts: connect and read each `timeout` seconds, and a whole answer (headers and capped body) within
  2 x `timeout`: a host that trickles bytes is cut off like one that hangs.
- Retries: connection failures, time-outs, 429 and 500/502/503/504 are retried `retries` times with exponential
  backoff (0.5 s, 1 s, 2 s ...; a Retry-After up to 60 s is honoured).
- Bodies: at most `max_bytes` are read, then the connection is closed; a media answer (video/, audio/, image/,
  application/octet-stream) is not read at all. HEAD requests read nothing.
- Redirects are never followed by the client: the caller decides each hop (etl/check/run.py), checking the safety
  rule (etl/check/targets.py) for every Location.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import httpx

from etl.check.targets import Admission

TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})
MEDIA_TYPES = ("video/", "audio/", "image/", "application/octet-stream")
MAX_RETRY_AFTER = 60.0


class HostBuckets:
    """Token buckets per host (capacity one token, refilled at `rate` per second)."""

    def __init__(self, rate: float) -> None:
        if rate <= 0:
            raise ValueError(f"per-host rate {rate} must be above 0")
        self.interval = 1.0 / rate
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def acquire(self, host: str) -> None:
        with self._lock:
            now = time.monotonic()
            at = max(now, self._next.get(host, now))
            self._next[host] = at + self.interval
        if at > now:
            time.sleep(at - now)


@dataclass
class Answer:
    """One HTTP answer, or none (status None) with the reason."""

    status: int | None
    location: str | None = None
    body: bytes | None = None
    content_type: str | None = None
    error: str | None = None
    attempts: int = 1
    truncated: bool = False


@dataclass(frozen=True)
class Limits:
    timeout: float = 10.0
    retries: int = 2
    max_bytes: int = 64 * 1024
    user_agent: str = "swarmgraph-check/0.1 (availability check; reads page heads only, never media)"


class Fetcher:
    """Sends probe requests through one httpx client, shared by the worker threads."""

    def __init__(self, limits: Limits, buckets: HostBuckets, admission: Admission) -> None:
        self.limits = limits
        self.buckets = buckets
        self.admission = admission
        t = limits.timeout
        self.client = httpx.Client(
            timeout=httpx.Timeout(t, connect=t, read=t, write=t, pool=None),
            follow_redirects=False,
            headers={"User-Agent": limits.user_agent, "Accept-Encoding": "gzip, deflate"},
            trust_env=False,  # no proxy or netrc from the environment: where requests go is explicit
        )

    def close(self) -> None:
        self.client.close()

    def fetch(self, method: str, url: str, host: str) -> Answer:
        """One answer for `url` (retried when transient); Refused when the safety rule says no."""
        attempt = 0
        while True:
            attempt += 1
            destination = self.admission.destination(url)  # before every request: DNS may change
            self.buckets.acquire(host)
            answer = self._once(method, destination)
            answer.attempts = attempt
            transient = answer.status is None or answer.status in TRANSIENT_STATUSES
            if not transient or attempt > self.limits.retries:
                return answer
            time.sleep(self._backoff(attempt, answer))

    def _backoff(self, attempt: int, answer: Answer) -> float:
        delay = 0.5 * 2 ** (attempt - 1)
        if answer.status == 429 and answer.error and answer.error.startswith("retry-after:"):
            try:
                delay = max(delay, min(MAX_RETRY_AFTER, float(answer.error.split(":", 1)[1])))
            except ValueError:
                pass
        return delay

    def _once(self, method: str, url: str) -> Answer:
        deadline = time.monotonic() + 2 * self.limits.timeout
        try:
            with self.client.stream(method, url) as response:
                ctype = response.headers.get("content-type", "").lower()
                answer = Answer(response.status_code, response.headers.get("location"), None, ctype or None)
                if response.status_code == 429 and "retry-after" in response.headers:
                    answer.error = "retry-after:" + response.headers["retry-after"].strip()
                if method == "HEAD" or ctype.startswith(MEDIA_TYPES) or 300 <= response.status_code < 400:
                    return answer  # closing the stream drops the body unread
                answer.body, answer.truncated = self._capped(response, deadline)
                return answer
        except httpx.TimeoutException as exc:
            return Answer(None, error=f"timed out ({type(exc).__name__})")
        except TimeoutError:
            return Answer(None, error="timed out (answer took longer than twice the timeout)")
        except (httpx.TransportError, httpx.DecodingError) as exc:
            return Answer(None, error=f"{type(exc).__name__}: {str(exc)[:200]}")

    def _capped(self, response: httpx.Response, deadline: float) -> tuple[bytes, bool]:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes(chunk_size=16 * 1024):
            chunks.append(chunk)
            size += len(chunk)
            if size >= self.limits.max_bytes:
                return b"".join(chunks)[: self.limits.max_bytes], True
            if time.monotonic() > deadline:
                raise TimeoutError
        return b"".join(chunks), False
