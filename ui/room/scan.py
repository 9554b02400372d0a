"""Tell a barcode scanner from a person at the keyboard by the rhythm of the keys.

A scanner is a keyboard that types a whole code in a few milliseconds per key and ends with
Enter. A person types a key every 100 ms or more. When Enter closes a run of digits typed
faster than ``max_gap`` each, that run is the scanned code, whatever else the search held
before it. The clock is injected (seconds, monotonic) so tests control the rhythm.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

SCAN_MAX_GAP_S = 0.035  # scanners measured at 2-15 ms per key; fast typists at 60+ ms
SCAN_MIN_DIGITS = 6  # a participant code has 9 digits, an extra sheet 13


@dataclass
class ScanBurst:
    clock: Callable[[], float] = time.monotonic
    max_gap: float = SCAN_MAX_GAP_S
    min_digits: int = SCAN_MIN_DIGITS
    _digits: list[str] = field(default_factory=list)
    _last: float | None = None

    def key(self, text: str) -> None:
        """One typed character (call for every key press that inserts text)."""
        now = self.clock()
        fast = self._last is not None and now - self._last <= self.max_gap
        self._last = now
        if not (len(text) == 1 and text.isdigit()):
            self._digits.clear()
            return
        if not fast:
            self._digits.clear()
        self._digits.append(text)

    def enter(self) -> str:
        """At Enter: the scanned code if the last keys were a scanner's burst, else ""."""
        now = self.clock()
        fast = self._last is not None and now - self._last <= self.max_gap
        code = "".join(self._digits) if fast and len(self._digits) >= self.min_digits else ""
        self.reset()
        return code

    def reset(self) -> None:
        self._digits.clear()
        self._last = None
