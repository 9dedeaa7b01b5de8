"""Whose turn it is to generate. One generation runs at a time per process (two at once on 2 cores only halve
each other's speed); the others wait first come, first served, and one visitor holds at most one place in line,
so nobody can queue a loop of long generations ahead of everyone else."""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

TICK_S = 0.5   # how often a waiting run reports its place (a page uses the call to notice a Stop)


class AlreadyQueued(RuntimeError):
    """This visitor already has a generation running or waiting."""


@dataclass(eq=False)
class Turn:
    owner: str | None   # None: not tied to a visitor (command line, benchmarks)


class TurnQueue:
    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._line: list[Turn] = []   # the first one runs

    def join(self, owner: str | None = None) -> Turn:
        with self._changed:
            if owner is not None and any(turn.owner == owner for turn in self._line):
                raise AlreadyQueued("you already have a generation running or waiting (one at a time per visitor)")
            turn = Turn(owner)
            self._line.append(turn)
            return turn

    def ahead(self, turn: Turn) -> int:
        with self._changed:
            return self._line.index(turn)

    def wait(self, turn: Turn, on_wait: Callable[[int], None] | None = None) -> None:
        """Block until `turn` is first in line, calling on_wait(how many are ahead) every TICK_S meanwhile."""
        while (ahead := self.ahead(turn)) > 0:
            if on_wait:
                on_wait(ahead)
            with self._changed:
                if self._line.index(turn) == ahead:
                    self._changed.wait(TICK_S)

    def leave(self, turn: Turn) -> None:
        with self._changed:
            if turn in self._line:
                self._line.remove(turn)
                self._changed.notify_all()

    def __len__(self) -> int:
        with self._changed:
            return len(self._line)


GENERATION_TURNS = TurnQueue()
