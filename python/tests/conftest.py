import datetime as dt

import pytest

import procode


@pytest.fixture(scope="session")
def catalog() -> procode.Catalog:
    return procode.Catalog.embedded()


@pytest.fixture
def at() -> dt.datetime:
    return dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.timezone.utc)
