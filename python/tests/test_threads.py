"""A catalog shared by Python threads; searches release the GIL."""

import datetime as dt
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import procode
from conftest import data_dir, ticks_during

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


def _spin_for(seconds: float) -> int:
    ticks = 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        ticks += 1
    return ticks


def test_gil_is_released_during_a_long_native_call(tmp_path):
    # While one thread is inside a long native call (building an index of
    # ~180k codes), the main thread keeps running Python code. Were the GIL
    # held for the call, the main thread could only run in the few
    # milliseconds around it: far fewer ticks than in a tenth of a second.
    baseline = _spin_for(0.1)
    ticks, elapsed = ticks_during(
        lambda: procode.Catalog.build(tmp_path / "big.idx", data_dir=data_dir(), include=["icd10cm", "icd10pcs"])
    )
    assert elapsed > 0.3, f"the build took only {elapsed}s: too short to tell"
    assert ticks > baseline, f"{ticks} ticks during a {elapsed:.2f}s build vs {baseline} in 0.1s alone"


def test_searches_in_threads_leave_the_main_thread_running(catalog):
    # While worker threads search, the main thread keeps running Python code.
    stop = threading.Event()

    def searcher() -> None:
        while not stop.is_set():
            catalog.search("wheelchiar", limit=10)

    threads = [threading.Thread(target=searcher) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        ticks = _spin_for(0.2)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert ticks > 0
