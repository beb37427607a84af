"""Shared fixtures: URLs of the real database servers the tests use.

Each URL comes from an environment variable (with this machine's default). When a server is not
reachable the tests that need it are skipped — unless HPO_REQUIRE_SERVICES=1 (set by .ci/run),
in which case they fail, so CI never passes without having run them.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

import hpo

POSTGRES_URL = os.environ.get("HPO_TEST_POSTGRES_URL", "postgresql://root@127.0.0.1:5432/test")
MYSQL_URL = os.environ.get("HPO_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
REDIS_URL = os.environ.get("HPO_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

REQUIRE_SERVICES = os.environ.get("HPO_REQUIRE_SERVICES") == "1"


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or {"postgresql": 5432, "mysql": 3306, "redis": 6379}.get(
        parts.scheme.split("+")[0], 0
    )
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def require_service(name: str, url: str) -> str:
    """Return ``url`` if its server answers; otherwise skip (or fail under HPO_REQUIRE_SERVICES)."""
    if _reachable(url):
        return url
    message = f"{name} server at {url} is not reachable"
    if REQUIRE_SERVICES:
        pytest.fail(message + " and HPO_REQUIRE_SERVICES=1", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def postgres_url() -> str:
    return require_service("PostgreSQL", POSTGRES_URL)


@pytest.fixture
def mysql_url() -> str:
    return require_service("MySQL", MYSQL_URL)


@pytest.fixture
def redis_url() -> str:
    return require_service("Redis", REDIS_URL)


@pytest.fixture
def unique_name() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture(autouse=True)
def _quiet_logging() -> Iterator[None]:
    verbosity = hpo.logging.get_verbosity()
    hpo.logging.set_verbosity(hpo.logging.WARNING)
    yield
    hpo.logging.set_verbosity(verbosity)
