"""SIGTERM as an exception; signals held during a commit and delivered after it."""

from __future__ import annotations

import signal

import pytest

from seriana_gis._signals import Interrupted, deferred_interrupts, interrupts_as_exceptions


def test_sigterm_raises_interrupted_inside_the_block() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Interrupted) as err, interrupts_as_exceptions():
        signal.raise_signal(signal.SIGTERM)
    assert err.value.exit_code == 143 and not err.value.after_commit
    assert signal.getsignal(signal.SIGTERM) is before  # restored


def test_a_signal_during_the_commit_is_delivered_after_it() -> None:
    steps: list[str] = []
    with pytest.raises(Interrupted) as err, interrupts_as_exceptions():
        with deferred_interrupts():
            signal.raise_signal(signal.SIGINT)
            steps.append("still committing")
        steps.append("not reached")
    assert steps == ["still committing"]
    assert err.value.after_commit and err.value.exit_code == 130


def test_outside_the_cli_a_held_sigint_is_a_keyboard_interrupt() -> None:
    with pytest.raises(KeyboardInterrupt), deferred_interrupts():
        signal.raise_signal(signal.SIGINT)  # Python's own handler, after the block
