"""Fair turns for generation: first come, first served, one place per visitor, nobody left in line."""
import threading

import pytest

from models.story.turns import AlreadyQueued, TurnQueue


def test_turns_come_in_order_and_say_how_many_are_ahead():
    line = TurnQueue()
    first, second, third = line.join("a"), line.join("b"), line.join(None)
    assert [line.ahead(t) for t in (first, second, third)] == [0, 1, 2]
    line.leave(first)
    assert [line.ahead(t) for t in (second, third)] == [0, 1]


def test_a_visitor_holds_one_place_and_gets_another_once_it_is_left():
    line = TurnQueue()
    mine = line.join("visitor-1")
    with pytest.raises(AlreadyQueued):
        line.join("visitor-1")
    line.join(None), line.join(None)   # runs with no visitor (command line, bench) are never refused
    line.leave(mine)
    line.join("visitor-1")


def test_a_waiting_turn_hears_its_place_and_starts_when_the_one_ahead_leaves():
    line, places, started = TurnQueue(), [], threading.Event()
    first = line.join("a")
    second = line.join("b")

    def wait_then_start():
        line.wait(second, places.append)
        started.set()

    worker = threading.Thread(target=wait_then_start)
    worker.start()
    assert not started.wait(0.7) and places and set(places) == {1}
    line.leave(first)
    assert started.wait(5)
    worker.join()


def test_an_error_on_the_wait_callback_leaves_the_turn_to_its_owner_to_give_back():
    line = TurnQueue()
    line.join("a")
    second = line.join("b")

    def stop_requested(ahead):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        line.wait(second, stop_requested)
    line.leave(second)
    assert len(line) == 1
