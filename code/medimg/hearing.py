"""Hearing ranges of some animals, in hertz, as the workshop lecture lists them.

The lecture shows these numbers in a chart titled "The hearing range of various animals
in terms of frequency", to make a point about the limits of human perception: a human
hears roughly 31 Hz to 19 kHz, while an elephant hears tones lower than any human can.
The values are the lecture's, kept as given (published ranges vary with the method and
the loudness used).

>>> get("Owl").hears(10_000)
True
>>> who_hears(15)
[]
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class HearingRange:
    """One animal's range of audible frequencies, from ``low_hz`` to ``high_hz``."""

    animal: str
    low_hz: float
    high_hz: float

    def __post_init__(self) -> None:
        if not (0 < self.low_hz < self.high_hz and math.isfinite(self.high_hz)):
            raise ValueError(
                f"{self.animal}: need 0 < low_hz < high_hz, got {self.low_hz}, {self.high_hz}"
            )

    def hears(self, frequency_hz: float) -> bool:
        """Return True when ``frequency_hz`` lies inside the range (ends included)."""
        return self.low_hz <= _check_frequency(frequency_hz) <= self.high_hz

    @property
    def octaves(self) -> float:
        """Width of the range in octaves (one octave doubles the frequency)."""
        return math.log2(self.high_hz / self.low_hz)


# The lecture's table, in the lecture's order (narrowest top end first, human last).
HEARING_RANGES: tuple[HearingRange, ...] = (
    HearingRange("Tuna", 50, 1_100),
    HearingRange("Chicken", 125, 2_000),
    HearingRange("Goldfish", 20, 3_000),
    HearingRange("Bullfrog", 100, 3_000),
    HearingRange("Catfish", 50, 4_000),
    HearingRange("Tree frog", 50, 4_000),
    HearingRange("Canary", 250, 8_000),
    HearingRange("Cockatiel", 250, 8_000),
    HearingRange("Parakeet", 200, 8_500),
    HearingRange("Elephant", 17, 10_500),
    HearingRange("Owl", 200, 12_000),
    HearingRange("Human", 31, 19_000),
)


def _check_frequency(frequency_hz: float) -> float:
    try:
        value = float(frequency_hz)
    except (TypeError, ValueError):
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"a frequency must be a positive number of hertz, got {frequency_hz!r}")
    return value


def animals() -> list[str]:
    """Return the animals' names in the lecture's order."""
    return [r.animal for r in HEARING_RANGES]


def get(animal: str) -> HearingRange:
    """Return one animal's range; the name is matched without regard to case.

    Raises KeyError naming the animal and listing the ones we know.
    """
    for r in HEARING_RANGES:
        if r.animal.lower() == animal.strip().lower():
            return r
    raise KeyError(f"no hearing range for {animal!r}; known: {', '.join(animals())}")


def who_hears(frequency_hz: float) -> list[str]:
    """Return the animals (lecture's order) that can hear a tone of ``frequency_hz``."""
    return [r.animal for r in HEARING_RANGES if r.hears(frequency_hz)]
