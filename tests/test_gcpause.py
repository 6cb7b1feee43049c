"""sfnkit.gcpause: one counted pause of the cyclic collector (nested and threaded pauses end together)."""

from __future__ import annotations

import gc
import threading

from sfnkit.gcpause import gc_paused


def test_a_pause_turns_the_collector_off_and_back_on() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_nested_pauses_end_with_the_outer_one_also_after_an_error() -> None:
    try:
        with gc_paused():
            with gc_paused():
                assert not gc.isenabled()
            assert not gc.isenabled()  # the inner end leaves the outer pause in force
            raise ValueError("boom")
    except ValueError:
        pass
    assert gc.isenabled()


def test_a_collector_the_caller_turned_off_stays_off() -> None:
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_pauses_in_two_threads_end_together() -> None:
    inside, release = threading.Event(), threading.Event()
    seen: list[bool] = []

    def other() -> None:
        with gc_paused():
            inside.set()
            release.wait(10)

    t = threading.Thread(target=other)
    t.start()
    inside.wait(10)
    with gc_paused():
        pass
    seen.append(gc.isenabled())  # this thread's pause ended, the other's has not
    release.set()
    t.join(10)
    assert seen == [False]
    assert gc.isenabled()
