"""medimg.hearing: the lecture's hearing ranges, and questions asked of them."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medimg import hearing


def test_the_lecture_table_is_complete_and_in_order():
    assert hearing.animals() == [
        "Tuna", "Chicken", "Goldfish", "Bullfrog", "Catfish", "Tree frog", "Canary",
        "Cockatiel", "Parakeet", "Elephant", "Owl", "Human",
    ]
    assert hearing.get("Human") == hearing.HearingRange("Human", 31, 19_000)
    assert hearing.get("elephant").low_hz == 17
    assert hearing.get(" Owl ").high_hz == 12_000
    assert hearing.get("Tuna").high_hz == 1_100


def test_hears_includes_both_ends():
    tuna = hearing.get("Tuna")
    assert tuna.hears(50) and tuna.hears(1_100)
    assert not tuna.hears(49.9) and not tuna.hears(1_100.1)


def test_who_hears_answers_the_chapter_exercise():
    assert hearing.who_hears(18) == ["Elephant"]
    assert hearing.who_hears(9_000) == ["Elephant", "Owl", "Human"]
    assert hearing.who_hears(15) == []
    assert hearing.who_hears(19_000) == ["Human"]


def test_octaves_measure_the_ratio():
    assert hearing.HearingRange("x", 100, 400).octaves == pytest.approx(2.0)
    widest = max(hearing.HEARING_RANGES, key=lambda r: r.octaves)
    assert widest.animal == "Elephant"  # 17 Hz–10.5 kHz, just wider than the human range


def test_unknown_animal_names_the_known_ones():
    with pytest.raises(KeyError, match="Unicorn.*Human"):
        hearing.get("Unicorn")


@pytest.mark.parametrize("bad", [0, -5, math.nan, math.inf, "loud"])
def test_bad_frequency_is_a_clear_error(bad):
    with pytest.raises(ValueError, match="frequency"):
        hearing.who_hears(bad)


@pytest.mark.parametrize("low, high", [(0, 10), (100, 50), (10, math.inf)])
def test_a_range_must_be_ordered_and_positive(low, high):
    with pytest.raises(ValueError, match="Bad"):
        hearing.HearingRange("Bad", low, high)


@given(st.floats(min_value=1, max_value=100_000))
def test_who_hears_agrees_with_each_range(frequency):
    heard = hearing.who_hears(frequency)
    for r in hearing.HEARING_RANGES:
        assert (r.animal in heard) == (r.low_hz <= frequency <= r.high_hz)
