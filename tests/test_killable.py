"""The one facility for killable work (icskg.killable): one budget for every kind of work, warm
pools each with its own preload, bounded waiting, killing that leaves nothing running, and the
bounded folder of computed files."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
import time
from functools import partial
from pathlib import Path

import pytest

from icskg import killable
from icskg.file_cache import FileCache, Locked
from icskg.killable import Budget, Pool
from icskg.validation import bounded


# Tasks run in the workers (module-level, so a worker can unpickle them).
def preloaded() -> dict:
    """What the worker had read before this task: the ontology and every regime's shapes."""
    from icskg.validation.regimes import shapes_graph
    from icskg.validation.vocabulary import ontology

    return {"shapes": shapes_graph.cache_info().currsize, "ontology": ontology.cache_info().currsize}


def memory_limit() -> int:
    return resource.getrlimit(resource.RLIMIT_DATA)[0]


def allocate(megabytes: int) -> int:
    return len(bytearray(megabytes * 1024 * 1024))


def spin() -> None:
    while True:
        pass


def wait_for(path: str) -> str:
    while not os.path.exists(path):
        time.sleep(0.01)
    return "released"


def pid() -> int:
    return os.getpid()


def reversed_bytes(data: bytes) -> bytes:
    return data[::-1]


def niceness() -> int:
    return os.getpriority(os.PRIO_PROCESS, 0)


def note_niceness(path: str, lowered: int) -> None:
    """A warm-up: its niceness once its parent has lowered it (it may start first)."""
    deadline = time.monotonic() + 30
    while niceness() != lowered and time.monotonic() < deadline:
        time.sleep(0.01)
    note(path)


def note(path: str) -> None:
    Path(path + ".part").write_text(str(niceness()))
    Path(path + ".part").rename(path)  # whole when it appears


def warm_until(release: str, path: str) -> None:
    """A warm-up that lasts until ``release`` exists, then notes its niceness."""
    while not os.path.exists(release):
        time.sleep(0.01)
    note(path)


def gone(process_id: int) -> bool:
    try:
        with open(f"/proc/{process_id}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_a_validation_worker_started_after_query_processes_has_its_own_preload(store):
    """The fork server keeps the preload of whoever starts it first; a validation worker started
    after the query processes must still have the ontology and the shapes read before its first
    task, not read them again for each validation."""
    from icskg.store import EmbeddedStore
    from icskg.validation.regimes import regimes

    queries = EmbeddedStore(store.data_dir, query_processes=1)
    queries.warm()
    try:
        validation = Pool("validation-test", Budget(2048), warm=bounded.warm)
        try:
            found = validation.run(preloaded)
        finally:
            validation.close()
    finally:
        queries._processes().close()
    assert found == {"shapes": len(regimes()), "ontology": 1}


SCRIPT = """
import os, sys
from icskg import killable

with open(sys.argv[1], "a") as runs:  # the script's top level: each time it runs
    runs.write("ran\\n")
if __name__ == "__main__":
    if sys.argv[2] == "spared":
        killable.spare_workers_the_script()
    pool = killable.Pool("test", killable.Budget(512), size=2, offline=False)
    print(pool.run(os.getpid), pool.run(os.getpid))
    pool.close()
"""


@pytest.mark.parametrize("how, runs", [("spared", 1), ("not spared", 3)])
def test_a_script_whose_tasks_live_in_modules_is_not_run_again_in_each_worker(tmp_path, how, runs):
    """The `icskg` command's script imports the CLI, web app and validation; run again in each new
    worker (as multiprocessing does with a main script), it cost every query process that, or the
    fork server that preloaded it made the server's first answer wait that long."""
    script, ran = tmp_path / "script.py", tmp_path / "ran.txt"
    script.write_text(SCRIPT)
    done = subprocess.run([sys.executable, str(script), str(ran), how], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert ran.read_text().count("ran") == runs


def test_a_pool_that_warms_up_slowly_does_it_below_the_servers_priority(tmp_path):
    """A server starts its validation processes with its query processes; their warm-up (seconds of
    CPU in all) runs lowered, so the server's first queries are not slowed by it. Its tasks run at
    the server's own priority again where the server may raise one (root here)."""
    own, noted = niceness(), tmp_path / "niceness"
    lowered = min(19, own + killable.SLOW_NICENESS)
    pool = Pool("test", Budget(512), warm=partial(note_niceness, str(noted), lowered), offline=False,
                warm_niceness=killable.SLOW_NICENESS)
    try:
        deadline = time.monotonic() + 60
        while not noted.exists() and time.monotonic() < deadline:  # the warm-up, left alone
            time.sleep(0.01)
        assert int(noted.read_text()) == lowered, "it warmed up lowered"
        assert pool.run(niceness) == (own if os.geteuid() == 0 else lowered)
    finally:
        pool.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a priority back needs root or CAP_SYS_NICE")
def test_a_task_that_waits_for_a_warm_up_gives_it_the_servers_priority(tmp_path):
    """The first upload to a server that has just started waits for a validation process's
    warm-up: the rest of that warm-up runs at the server's priority, not below the other
    processes' (it took three times as long when it stayed lowered)."""
    own, release, noted = niceness(), tmp_path / "release", tmp_path / "niceness"
    lowered = min(19, own + killable.SLOW_NICENESS)
    pool = Pool("test", Budget(512), warm=partial(warm_until, str(release), str(noted)),
                offline=False, warm_niceness=killable.SLOW_NICENESS)
    answers: list[int] = []
    try:
        (worker,) = pool.idle_pids()
        assert os.getpriority(os.PRIO_PROCESS, worker) == lowered, "it warms up lowered"
        waiting = threading.Thread(target=lambda: answers.append(pool.run(niceness)))
        waiting.start()
        deadline = time.monotonic() + 30
        while os.getpriority(os.PRIO_PROCESS, worker) != own and time.monotonic() < deadline:
            time.sleep(0.01)
        release.touch()
        waiting.join()
        assert int(noted.read_text()) == own, "the rest of its warm-up ran at the server's priority"
        assert answers == [own]
    finally:
        pool.close()


def test_a_task_past_its_time_is_stopped_and_its_process_is_gone():
    pool = Pool("test", Budget(512), warm=None, offline=False)
    try:
        first = pool.run(pid)
        with pytest.raises(killable.OverTime, match=r"time limit of 0\.5 s"):
            pool.run(spin, seconds=0.5)
        assert gone(first), "the process that ran the task was killed and reaped"
        assert pool.run(pid) != first, "a fresh worker took its place"
    finally:
        pool.close()


def test_tasks_and_answers_of_any_length_arrive_whole():
    """Short messages come in with one read, long ones (past the channel's buffer, past what the
    pipe holds) in pieces: each arrives exactly, and the next task finds nothing left over."""
    pool = Pool("test", Budget(512), warm=None, offline=False)
    try:
        for size in (0, 1, 100, killable._Channel.BUFFER - 60, killable._Channel.BUFFER + 1, 3_000_001):
            data = os.urandom(size)
            assert pool.run(reversed_bytes, data) == data[::-1]
    finally:
        pool.close()


def test_a_full_pool_refuses_after_its_wait():
    pool = Pool("test", Budget(512), size=1, offline=False, wait=0)
    release = Path(f"/tmp/icskg-test-release-{os.getpid()}")
    release.unlink(missing_ok=True)
    answers: list[str] = []
    runner = threading.Thread(target=lambda: answers.append(pool.run(wait_for, str(release))))
    try:
        runner.start()
        while pool.idle_pids():  # the runner has taken the only worker
            time.sleep(0.01)
        with pytest.raises(killable.Busy, match="busy"):
            pool.run(pid)
        release.touch()
        runner.join()
        assert answers == ["released"]
    finally:
        release.unlink(missing_ok=True)
        pool.close()


def test_every_kind_of_work_has_the_same_memory_limit(store, settings):
    """Queries, validation and the CLI's children all take the memory limit as RLIMIT_DATA, and a
    task that allocates past it is stopped with an error that names the limit."""
    from icskg import cli
    from icskg.store import Limits
    from icskg.store.executor import QueryProcesses

    queries = QueryProcesses(store.link, size=1, memory_mb=300)
    validation = bounded.pool(memory_mb=300, size=1)
    try:
        limits = {"query": queries.pool.run(memory_limit), "validation": validation.run(memory_limit),
                  "cli": cli._in_child(300, memory_limit)}
        assert set(limits.values()) == {300 * 1024 * 1024}, limits
        for pool in (queries.pool, validation):
            with pytest.raises(killable.OutOfMemory, match="more than its 300 MB of memory"):
                pool.run(allocate, 1000)
        with pytest.raises(cli.Failure, match="more than its 300 MB of memory"):
            cli._in_child(300, allocate, 1000)
        cheap = "ASK { <https://w3id.org/icskg/id/org/QYG> ?p ?o }"
        assert list(queries.run(cheap, [], [], Limits(timeout=30, max_rows=10)).rows()) == [("true",)]
    finally:
        queries.close()
        validation.close()


def test_the_folder_of_computed_files_stays_within_its_bounds(tmp_path):
    cache = FileCache(tmp_path, "v1", max_files=3, max_bytes=2500)
    cache.write("pinned", b"p" * 2000)
    for i in range(6):
        cache.write(f"day{i}", b"x" * 600, keep=["pinned"])
        assert cache.read("day0") == b"x" * 600, "day0 is kept while it is used"
    names = sorted(p.name for p in tmp_path.iterdir())
    kept = [n for n in names if n != "v1-pinned.json"]
    assert len(kept) <= 3 and sum((tmp_path / n).stat().st_size for n in kept) <= 2500
    assert "v1-pinned.json" in names, "a kept key is never evicted"
    assert "v1-day0.json" in names, "the file read most recently stays"
    assert "v1-day1.json" not in names, "the least recently used went first"
    small = FileCache(tmp_path, "v1", max_files=10, max_bytes=1000)
    small.write("day9", b"y" * 600)
    assert sum(p.stat().st_size for p in tmp_path.glob("v1-day*.json")) <= 1000


def test_the_folder_lock_lets_one_computation_at_a_time(tmp_path):
    cache = FileCache(tmp_path, "v1", max_files=3, max_bytes=10_000)
    held = cache.lock()
    with pytest.raises(Locked):
        cache.lock()
    held.close()
    cache.lock().close()
