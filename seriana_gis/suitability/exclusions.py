"""Constraints by attribute: a profile's ``constraints.exclude_where``.

A site already reused, committed to housing, or listed as heritage may be no
candidate for a use, whatever its score. Each entry of ``exclude_where`` names
one column of the sites and one or more tests that must all hold; a site is
excluded when any entry holds, and keeps the reason in words
(``excluded_{profile}``):

.. code-block:: yaml

    constraints:
      exclude_where:
        - {column: status, in: [reused], reason: already reused}
        - {column: committed_use, in: [housing], reason: committed to housing}
        - {column: former_company, contains: [italcementi, pesenti]}
        - {column: heritage, not_null: true}
        - {column: closure_year, lt: 1960}

Tests (several in one entry must all hold):

``in`` / ``not_in``
    The value is (is not) one of a list (a single value may stand alone).
    Text is compared ignoring case and surrounding spaces, numbers as
    numbers, ``true``/``false`` as booleans. On a column with a vocabulary
    (``status``, ``committed_use``, ``heritage``) every listed value must belong
    to it.
``contains`` / ``not_contains``
    The text contains (does not contain) one of the given pieces, ignoring case.
``not_null``
    ``true``: the value is given; ``false``: it is missing.
``lt``, ``le``, ``gt``, ``ge``
    The value is a number below (at most, above, at least) the given one.

A missing value never satisfies ``in``, ``not_in``, ``contains``,
``not_contains`` or a comparison (it is not known to be anything); test it with ``not_null``.
``reason`` (optional) is the words said of every site the entry excludes; the
site's value is added to them. A column the sites lack is an error, except an
optional column of the brownfields schema (``committed_use``, ``heritage``,
``closure_year``, ...): a register without it has every value unknown.

Prefer a vocabulary column to words in free text: ``contains: [homes]`` on a
description also matches "no homes" or "homes on the neighbouring land"; the
shipped profiles exclude by ``committed_use``, never by ``planned_use``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._errors import ConfigError, DataError
from ..config import closest
from ..layers.schemas import SCHEMAS

logger = logging.getLogger(__name__)

#: Optional columns of the brownfields schema: a register may lack them, and then
#: every site's value is unknown (never an error, unlike a misspelt column).
_OPTIONAL_COLUMNS: frozenset[str] = frozenset(
    c.name for c in SCHEMAS["brownfields"].columns if not c.required
)

#: The tests an ``exclude_where`` entry may use, with how they read in a reason.
OPERATORS: dict[str, str] = {
    "in": "is",
    "not_in": "is not",
    "contains": "contains",
    "not_contains": "does not contain",
    "not_null": "is given",
    "lt": "<",
    "le": "≤",
    "gt": ">",
    "ge": "≥",
}
_COMPARISONS = ("lt", "le", "gt", "ge")
_LISTS = ("in", "not_in", "contains", "not_contains")
_KEYS = ("column", "reason", *OPERATORS)


def _key(value: Any) -> Any:
    """A value as compared by ``in``/``not_in``: booleans, floats, or case-folded text."""
    if value is None:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | float | np.integer | np.floating):
        v = float(value)
        return None if math.isnan(v) else v
    return str(value).strip().casefold()


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _show(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return f"{value:.0f}"
    return str(value)


@dataclass(frozen=True)
class Test:
    """One test of an ``exclude_where`` entry.

    Attributes
    ----------
    op
        One of :data:`OPERATORS`.
    operands
        The listed values (``in``, ``not_in``, ``contains``, ``not_contains``),
        ``(True,)`` or ``(False,)`` (``not_null``), or the number compared with.
    """

    op: str
    operands: tuple[Any, ...]

    def words(self, column: str) -> str:
        """The test in words."""
        if self.op == "not_null":
            return f"{column} {'is given' if self.operands[0] else 'is missing'}"
        shown = ", ".join(_show(v) for v in self.operands)
        if self.op in _LISTS and len(self.operands) > 1:
            return f"{column} {OPERATORS[self.op]} one of {shown}"
        return f"{column} {OPERATORS[self.op]} {shown}"

    def holds(self, value: Any) -> bool:
        """Whether the test holds for one value (never for a missing one, but ``not_null``)."""
        if self.op == "not_null":
            return (not _missing(value)) == self.operands[0]
        if _missing(value):
            return False
        if self.op in ("in", "not_in"):
            inside = _key(value) in {_key(v) for v in self.operands}
            return inside if self.op == "in" else not inside
        if self.op in ("contains", "not_contains"):
            text = str(value).casefold()
            found = any(str(v).casefold() in text for v in self.operands)
            return found if self.op == "contains" else not found
        x = float(value)
        bound = float(self.operands[0])
        return {"lt": x < bound, "le": x <= bound, "gt": x > bound, "ge": x >= bound}[self.op]


@dataclass(frozen=True)
class Exclusion:
    """One ``exclude_where`` entry: a column and the tests that must all hold.

    Attributes
    ----------
    column
        The sites' column it tests.
    tests
        The tests, all of which must hold for a site to be excluded.
    reason
        The words said of an excluded site ("" for the tests in words).
    """

    column: str
    tests: tuple[Test, ...]
    reason: str = ""

    @property
    def test(self) -> str:
        """The tests in words, for messages and reasons."""
        return " and ".join(t.words(self.column) for t in self.tests)

    def holds(self, value: Any) -> bool:
        """Whether every test holds for one site's value."""
        return all(t.holds(value) for t in self.tests)

    def explain(self, value: Any) -> str:
        """The reason given to a site this entry excludes."""
        shown = "missing" if _missing(value) else _show(value)
        if self.reason:
            return f"{self.reason} ({self.column}: {shown})"
        if len(self.tests) == 1:
            t = self.tests[0]
            if t.op == "not_null" and t.operands[0]:
                return f"{self.column} is given ({shown})"
            if t.op in _COMPARISONS:
                return f"{self.column} {shown} {OPERATORS[t.op]} {_show(t.operands[0])}"
        return f"{self.test} ({self.column}: {shown})"


def _parse_test(op: str, value: Any, *, column: str, where: str, known: Sequence[str]) -> Test:
    if op == "not_null":
        if not isinstance(value, bool):
            msg = f"{where}: not_null must be true (value given) or false (value missing)."
            raise ConfigError(msg)
        return Test(op, (value,))
    if op in _COMPARISONS:
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            msg = f"{where}: {op} needs a number, got {value!r}."
            raise ConfigError(msg)
        return Test(op, (float(value),))
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(v, str | int | float | bool) and v != "" for v in items):
        msg = f"{where}: {op} needs a value or a list of values, got {value!r}."
        raise ConfigError(msg)
    if op in ("contains", "not_contains"):
        return Test(op, tuple(str(v) for v in items))
    wrong = [v for v in items if known and _key(v) not in known]
    if wrong:
        hint = closest(str(wrong[0]), list(known))
        did = f" Did you mean {hint[0]!r}?" if hint else ""
        msg = (
            f"{where}: {', '.join(map(repr, wrong))} is not a {column} value.{did} "
            f"Valid: {', '.join(known)}."
        )
        raise ConfigError(msg)
    return Test(op, tuple(items))


def parse_exclusions(
    raw: Any, *, where: str, vocabularies: Mapping[str, Sequence[str]] | None = None
) -> tuple[Exclusion, ...]:
    """Validate a profile's ``exclude_where`` list.

    Parameters
    ----------
    raw
        The parsed YAML: a list of mappings (one mapping alone is accepted).
    where
        The profile file and key, for messages.
    vocabularies
        Column → its valid values, for ``in`` / ``not_in`` on such columns.

    Returns
    -------
    tuple of Exclusion

    Raises
    ------
    ConfigError
        Not a list of mappings, an unknown key, no column, no test, a test
        given twice, a value of the wrong kind, or a value outside a column's
        vocabulary; the message names the file, the entry and the fix.
    """
    from ..config import check_keys

    if raw is None:
        return ()
    entries = [raw] if isinstance(raw, Mapping) else raw
    if not isinstance(entries, list):
        msg = (
            f"{where}: expected a list of tests, e.g. "
            "[{column: status, in: [reused]}, {column: planned_use, not_null: true}]."
        )
        raise ConfigError(msg)
    vocab = dict(vocabularies or {})
    out = []
    for i, entry in enumerate(entries, start=1):
        ewhere = f"{where}, entry {i}"
        check_keys(entry, _KEYS, where=ewhere, required=("column",))
        column = entry["column"]
        if not isinstance(column, str) or not column:
            msg = f"{ewhere}: 'column' must name a column of the sites, got {column!r}."
            raise ConfigError(msg)
        ewhere = f"{ewhere} (column {column})"
        ops = [k for k in entry if k in OPERATORS]
        if not ops:
            msg = (
                f"{ewhere}: give a test, one of {', '.join(OPERATORS)} "
                "(several in one entry must all hold; entries are alternatives)."
            )
            raise ConfigError(msg)
        tests = tuple(
            _parse_test(op, entry[op], column=column, where=ewhere, known=vocab.get(column, ()))
            for op in ops
        )
        reason = entry.get("reason", "")
        if not isinstance(reason, str):
            msg = f"{ewhere}: 'reason' must be text, got {reason!r}."
            raise ConfigError(msg)
        out.append(Exclusion(column, tests, reason.strip()))
    return tuple(out)


def exclusion_mask(
    sites: pd.DataFrame, exclusion: Exclusion, *, where: str
) -> npt.NDArray[np.bool_]:
    """Which sites an entry excludes.

    Parameters
    ----------
    sites
        The sites (not changed).
    exclusion
        The entry.
    where
        The profile file and entry, for messages.

    Raises
    ------
    ConfigError
        The sites have no such column (the message lists the closest).
    DataError
        A comparison on a value that is not a number.
    """
    col = exclusion.column
    if col not in sites.columns and col in _OPTIONAL_COLUMNS:
        # a register without this optional column: every site's value is unknown, so the
        # constraint is not applied; a planner must see that (a warning, not a debug line)
        logger.warning(
            "%s: the sites have no column %r, so this constraint excludes no site; add the "
            "column to the register (or the census mapping) to apply it",
            where,
            col,
        )
        return np.fromiter((exclusion.holds(None) for _ in range(len(sites))), dtype=bool)
    if col not in sites.columns:
        cols = [str(c) for c in sites.columns]
        hint = closest(col, cols)
        did = f" Did you mean {hint[0]!r}?" if hint else ""
        msg = (
            f"{where}: the sites have no column {col!r}.{did} Add it to the brownfields "
            "(it comes from the register or the census mapping), or remove the entry."
        )
        raise ConfigError(msg)
    values = sites[col].tolist()
    if any(t.op in _COMPARISONS for t in exclusion.tests):
        numbers = pd.to_numeric(sites[col], errors="coerce")
        bad = numbers.isna() & sites[col].notna()
        if bad.any():
            ids = ", ".join(f"{i!r}: {sites[col][i]!r}" for i in sites.index[bad][:3])
            msg = f"{where}: the test compares numbers, but column {col!r} holds {ids}."
            raise DataError(msg)
    return np.fromiter((exclusion.holds(v) for v in values), dtype=bool, count=len(values))


def exclusion_reasons(
    sites: pd.DataFrame, exclusions: Sequence[Exclusion], *, where: str
) -> list[list[str]]:
    """The reasons each site is excluded by ``exclusions`` (an empty list when none holds).

    Parameters
    ----------
    sites
        The sites (not changed).
    exclusions
        The profile's entries.
    where
        The profile file and key (``"analyses/logistics.yaml, constraints.exclude_where"``).
    """
    reasons: list[list[str]] = [[] for _ in range(len(sites))]
    for i, ex in enumerate(exclusions, start=1):
        mask = exclusion_mask(sites, ex, where=f"{where}, entry {i} ({ex.test})")
        column = sites[ex.column] if ex.column in sites.columns else None
        for j in np.flatnonzero(mask):
            value = None if column is None else column.iloc[int(j)]
            reasons[int(j)].append(ex.explain(value))
    return reasons
