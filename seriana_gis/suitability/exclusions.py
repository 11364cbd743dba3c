"""Constraints by attribute: a profile's ``constraints.exclude_where``.

A site already reused, committed to housing, or listed as heritage may be no
candidate for a use, whatever its score. Each entry of ``exclude_where`` names
one column of the sites and one test; a site is excluded when any entry's test
holds, and keeps the reason in words (``excluded_{profile}``):

.. code-block:: yaml

    constraints:
      exclude_where:
        - {column: status, in: [reused], reason: already reused}
        - {column: planned_use, contains: [residential, housing], reason: committed to housing}
        - {column: heritage, not_null: true}
        - {column: closure_year, lt: 1960}

Tests (one per entry):

``in`` / ``not_in``
    The value is (is not) one of a list (a single value may stand alone).
    Text is compared ignoring case and surrounding spaces, numbers as
    numbers, ``true``/``false`` as booleans. On a column with a vocabulary
    (``status``) every listed value must belong to it.
``contains``
    The text contains one of the given pieces, ignoring case.
``not_null``
    ``true``: the value is given; ``false``: it is missing.
``lt``, ``le``, ``gt``, ``ge``
    The value is a number below (at most, above, at least) the given one.

A missing value never satisfies ``in``, ``not_in``, ``contains`` or a
comparison (it is not known to be anything); test it with ``not_null``.
``reason`` (optional) is the words said of every site the entry excludes; the
site's value is added to them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._errors import ConfigError, DataError
from ..config import closest

#: The tests an ``exclude_where`` entry may use, with how they read in a reason.
OPERATORS: dict[str, str] = {
    "in": "is",
    "not_in": "is not",
    "contains": "contains",
    "not_null": "is given",
    "lt": "<",
    "le": "≤",
    "gt": ">",
    "ge": "≥",
}
_COMPARISONS = ("lt", "le", "gt", "ge")
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
class Exclusion:
    """One ``exclude_where`` entry.

    Attributes
    ----------
    column
        The sites' column it tests.
    op
        One of :data:`OPERATORS`.
    values
        The listed values (``in``, ``not_in``, ``contains``), ``(True,)`` or
        ``(False,)`` (``not_null``), or the number compared with.
    reason
        The words said of an excluded site ("" for the test in words).
    """

    column: str
    op: str
    values: tuple[Any, ...]
    reason: str = ""

    @property
    def test(self) -> str:
        """The test in words, for messages and reasons."""
        if self.op == "not_null":
            return f"{self.column} {'is given' if self.values[0] else 'is missing'}"
        shown = ", ".join(_show(v) for v in self.values)
        if self.op in ("in", "not_in") and len(self.values) > 1:
            return f"{self.column} {OPERATORS[self.op]} one of {shown}"
        if self.op == "contains" and len(self.values) > 1:
            return f"{self.column} contains one of {shown}"
        return f"{self.column} {OPERATORS[self.op]} {shown}"

    def holds(self, value: Any) -> bool:
        """Whether the test holds for one site's value (never for a missing one, but ``not_null``)."""
        if self.op == "not_null":
            return (not _missing(value)) == self.values[0]
        if _missing(value):
            return False
        if self.op in ("in", "not_in"):
            inside = _key(value) in {_key(v) for v in self.values}
            return inside if self.op == "in" else not inside
        if self.op == "contains":
            text = str(value).casefold()
            return any(str(v).casefold() in text for v in self.values)
        x = float(value)
        bound = float(self.values[0])
        return {"lt": x < bound, "le": x <= bound, "gt": x > bound, "ge": x >= bound}[self.op]

    def explain(self, value: Any) -> str:
        """The reason given to a site this entry excludes."""
        shown = "missing" if _missing(value) else _show(value)
        if self.reason:
            return f"{self.reason} ({self.column}: {shown})"
        if self.op == "not_null" and self.values[0]:
            return f"{self.column} is given ({shown})"
        if self.op in _COMPARISONS:
            return f"{self.column} {shown} {OPERATORS[self.op]} {_show(self.values[0])}"
        return f"{self.test} ({self.column}: {shown})"


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
        Not a list of mappings, an unknown key, no column, no test or more
        than one, a value of the wrong kind, or a value outside a column's
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
        if len(ops) != 1:
            found = f"{', '.join(ops)} together" if ops else "none"
            msg = (
                f"{ewhere}: give exactly one test of {', '.join(OPERATORS)}; found {found}. "
                "Write one entry per test (a site is excluded when any entry holds)."
            )
            raise ConfigError(msg)
        op = ops[0]
        value = entry[op]
        values: tuple[Any, ...]
        if op == "not_null":
            if not isinstance(value, bool):
                msg = f"{ewhere}: not_null must be true (value given) or false (value missing)."
                raise ConfigError(msg)
            values = (value,)
        elif op in _COMPARISONS:
            if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
                msg = f"{ewhere}: {op} needs a number, got {value!r}."
                raise ConfigError(msg)
            values = (float(value),)
        else:
            items = value if isinstance(value, list) else [value]
            if not items or not all(
                isinstance(v, str | int | float | bool) and v != "" for v in items
            ):
                msg = f"{ewhere}: {op} needs a value or a list of values, got {value!r}."
                raise ConfigError(msg)
            if op == "contains":
                items = [str(v) for v in items]
            known = vocab.get(column, ())
            wrong = [v for v in items if known and op != "contains" and _key(v) not in known]
            if wrong:
                hint = closest(str(wrong[0]), list(known))
                did = f" Did you mean {hint[0]!r}?" if hint else ""
                msg = (
                    f"{ewhere}: {', '.join(map(repr, wrong))} is not a {column} value.{did} "
                    f"Valid: {', '.join(known)}."
                )
                raise ConfigError(msg)
            values = tuple(items)
        reason = entry.get("reason", "")
        if not isinstance(reason, str):
            msg = f"{ewhere}: 'reason' must be text, got {reason!r}."
            raise ConfigError(msg)
        out.append(Exclusion(column, op, values, reason.strip()))
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
    if exclusion.op in _COMPARISONS:
        numbers = pd.to_numeric(sites[col], errors="coerce")
        bad = numbers.isna() & sites[col].notna()
        if bad.any():
            ids = ", ".join(f"{i!r}: {sites[col][i]!r}" for i in sites.index[bad][:3])
            msg = f"{where}: {exclusion.op} compares numbers, but column {col!r} holds {ids}."
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
        column = sites[ex.column]
        for j in np.flatnonzero(mask):
            reasons[int(j)].append(ex.explain(column.iloc[int(j)]))
    return reasons
