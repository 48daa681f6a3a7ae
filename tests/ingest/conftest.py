from __future__ import annotations

from collections.abc import Iterator

import pytest

from ingest.fetcher import Fetcher, FetchPolicy
from ingest.netguard import AddressPolicy
from tests.ingest.localweb import LocalWeb

POLICY = FetchPolicy(
    user_agent="Newsdesk-test/0.1 (+https://example.invalid/newsdesk)",
    connect_timeout=2.0,
    read_timeout=1.0,
    max_bytes=1024 * 1024,
    retries=2,
    backoff_seconds=0.01,
    host_interval_seconds=0.0,
)


@pytest.fixture
def web() -> Iterator[LocalWeb]:
    with LocalWeb() as server:
        yield server


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(POLICY, AddressPolicy(allow_loopback=True)) as f:
        yield f
