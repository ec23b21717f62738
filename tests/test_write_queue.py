"""SQLite writers queue on ``Database.write_queue``: one at a time across this process's
threads and across processes (gunicorn workers), including a process forked after the
parent had already used the queue (its inherited descriptor would share the parent's lock)."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

import pytest

from models.db import Database


def _hold(db: Database, held: object, release: object) -> None:
    # the parent's Database object, inherited by the fork (not pickled)
    with db.write_queue():
        held.set()  # type: ignore[attr-defined]
        release.wait(10)  # type: ignore[attr-defined]


def _enter_in_thread(db: Database) -> tuple[threading.Thread, threading.Event]:
    inside = threading.Event()

    def run() -> None:
        with db.write_queue():
            inside.set()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, inside


@pytest.mark.parametrize("used_before_fork", [False, True])
def test_a_writer_in_another_process_waits_for_the_queue(
    tmp_path: Path, used_before_fork: bool
) -> None:
    url = f"sqlite:///{tmp_path / 'q.db'}"
    db = Database(url)
    if used_before_fork:
        with db.write_queue():  # opens this process's descriptor before the fork
            pass
    ctx = multiprocessing.get_context("fork")
    held, release = ctx.Event(), ctx.Event()
    child = ctx.Process(target=_hold, args=(db, held, release))
    child.start()
    try:
        assert held.wait(10), "the other process never took the queue"
        t, inside = _enter_in_thread(db)
        assert not inside.wait(0.3), "entered while another process held the queue"
        release.set()
        assert inside.wait(10), "never entered after the other process let go"
        t.join(5)
    finally:
        release.set()
        child.join(10)
        db.dispose()
    assert child.exitcode == 0


def test_threads_of_one_process_take_turns(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'q.db'}")
    try:
        with db.write_queue():
            t, inside = _enter_in_thread(db)
            assert not inside.wait(0.3), "a second thread entered while the first held it"
        assert inside.wait(10)
        t.join(5)
    finally:
        db.dispose()


def test_no_queue_for_an_in_memory_database() -> None:
    db = Database("sqlite://")
    with db.write_queue(), db.write_queue():  # nothing to wait for: not even re-entrancy
        pass
    db.dispose()
