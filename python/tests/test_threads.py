"""A catalog shared by Python threads; searches release the GIL."""

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import procode

QUERIES = ["diab mell", "G04", "wheelchiar", "f41.", "anxiety", "psychotherapy", "office", "H0004"]


def test_one_catalog_many_threads(catalog):
    expected = {q: [e.code for e in catalog.search(q, limit=10)] for q in QUERIES}

    def work(i: int) -> bool:
        q = QUERIES[i % len(QUERIES)]
        got = [e.code for e in catalog.search(q, limit=10)]
        hit = catalog.lookup("F41.1", as_of=dt.date(2025, 1, 1))
        return got == expected[q] and hit is not None and hit.code == "F411"

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(400)))
    assert all(results)


def test_threads_open_and_build(tmp_path):
    entries = [procode.Entry(f"X{i}", "custom", f"custom code number {i}") for i in range(50)]

    def build(i: int) -> int:
        cat = procode.Catalog.build(tmp_path / f"c{i}.idx", entries=entries)
        return len(procode.Catalog.open(tmp_path / f"c{i}.idx")) + len(cat.search("custom"))

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert set(pool.map(build, range(8))) == {60}


def test_gil_is_released_during_search(catalog):
    # While worker threads search, the main thread keeps running Python code.
    import threading

    stop = threading.Event()
    ticks = 0

    def searcher() -> None:
        while not stop.is_set():
            catalog.search("wheelchiar", limit=10)

    threads = [threading.Thread(target=searcher) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        for _ in range(20000):
            ticks += 1
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert ticks == 20000
