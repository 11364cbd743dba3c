"""Numbers as they come in registers and spreadsheets: separators, decimal commas, units.

An Italian register writes twelve thousand five hundred square metres as
``12.500`` or ``12.500 mq``, twelve and a half as ``12,5``; an English one as
``12,500`` and ``12.5``. Read with the wrong convention, ``12.500`` becomes
12.5 m² without a word. :func:`parse_number` reads a value under a declared
:class:`NumberFormat` and refuses what it cannot read for certain.

Rules
-----
Spaces (also the non-breaking and narrow spaces spreadsheets write) may
separate groups of three digits: ``12 500``.

With a declared decimal separator (``decimal: ","`` or ``decimal: "."``) the
thousands separator is the other one unless declared (``thousands: " "``,
``"'"``, or ``""`` for none). A value may hold the decimal separator once; the
thousands separator only between groups of exactly three digits
(``20.000,0``, ``1.234.567``; ``12.5`` is an error under ``decimal: ","``).

Without a declaration the dot is the decimal point and a value with a comma is
an error, as is a value that reads two ways: one to three digits, a dot and
exactly three digits (``12.500``: 12.5, or 12,500 with Italian thousands). A
zero before the dot (``0.500``) or more than three digits (``12500.750``)
cannot be a thousands group and reads as a decimal.

Area units
----------
An area may carry its unit after the number: ``m2``, ``m²``, ``mq`` (*metri
quadri*), ``ha``, ``km2``, ``km²`` (any case); :func:`parse_area` converts it
to square metres, and a value without a unit takes the declared default.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

#: Decimal separators a format may declare.
DECIMALS: tuple[str, ...] = (".", ",")
#: Thousands separators a format may declare ("" for none).
THOUSANDS: tuple[str, ...] = (".", ",", " ", "'", "")
#: Square metres per unit, by the spellings accepted after an area.
AREA_UNITS: dict[str, float] = {
    "m2": 1.0,
    "m²": 1.0,
    "mq": 1.0,
    "ha": 10_000.0,
    "km2": 1_000_000.0,
    "km²": 1_000_000.0,
}

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_UNIT = re.compile(r"\s*(" + "|".join(re.escape(u) for u in AREA_UNITS) + r")\s*$", re.IGNORECASE)
_UNDECLARED_AMBIGUOUS = re.compile(r"^[1-9]\d{0,2}\.\d{3}$")


class NumberFormatError(ValueError):
    """A value that is not a number under the format (the message says why, not where)."""


@dataclass(frozen=True)
class NumberFormat:
    """How the numbers of a file are written.

    Attributes
    ----------
    decimal
        ``"."`` or ``","``; ``None`` when the file's convention is not declared
        (then only unambiguous dot-decimal numbers are read).
    thousands
        The thousands separator; by default the other of ``.`` and ``,``
        (``""`` for none). Spaces between groups of three digits are always
        accepted.
    """

    decimal: str | None = None
    thousands: str | None = None

    @property
    def group(self) -> str:
        """The thousands separator in force (``""`` for none)."""
        if self.thousands is not None:
            return self.thousands
        if self.decimal is None:
            return ""
        return "." if self.decimal == "," else ","

    def describe(self) -> str:
        """The convention in words, for messages."""
        if self.decimal is None:
            return "no declared convention (dot decimal point, no thousands separator)"
        group = repr(self.group) if self.group else "none"
        return f"decimal {self.decimal!r}, thousands {group}"


def _digits_grouped(text: str, seps: tuple[str, ...]) -> str:
    """``text`` without its group separators ``seps``, checking the groups of three."""
    used = [s for s in seps if s]
    parts = re.split("|".join(re.escape(s) for s in used), text) if used else [text]
    if not all(p.isdigit() for p in parts):
        raise NumberFormatError("is not a number")
    if len(parts) > 1 and not (1 <= len(parts[0]) <= 3 and all(len(p) == 3 for p in parts[1:])):
        seen = ", ".join(repr(s) for s in used if s in text)
        msg = f"has {seen} between digits that are not groups of three (a thousands separator)"
        raise NumberFormatError(msg)
    return "".join(parts)


def parse_number(value: object, *, fmt: NumberFormat) -> float:
    """Read one value as a number under ``fmt``.

    Parameters
    ----------
    value
        A number (returned as a float) or its text; empty text and missing
        values give NaN.
    fmt
        The file's convention.

    Returns
    -------
    float

    Raises
    ------
    NumberFormatError
        The text is not a number under ``fmt``, or reads two ways without a
        declared convention; the message says why and how to declare one.
    """
    if isinstance(value, bool):
        raise NumberFormatError("is true/false, not a number")
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str):
        if value is None or pd.isna(value):
            return math.nan
        raise NumberFormatError("is not a number")
    text = _SPACES.sub(" ", value.strip())
    if not text:
        return math.nan
    sign = -1.0 if text[0] == "-" else 1.0
    if text[0] in "+-":
        text = text[1:].strip()
    if fmt.decimal is None:
        if "," in text:
            msg = (
                "has a comma, which may be a decimal comma (12500,75) or a thousands "
                "separator (12,500): declare the convention in the column mapping, "
                'decimal: "," or decimal: "."'
            )
            raise NumberFormatError(msg)
        if _UNDECLARED_AMBIGUOUS.match(text):
            whole = text.replace(".", "")
            msg = (
                f"is ambiguous: {text} with a decimal point, or {whole} with the Italian "
                "thousands separator; declare the convention in the column mapping, "
                'decimal: "," (12.500 = 12500) or decimal: "."'
            )
            raise NumberFormatError(msg)
    dec = fmt.decimal or "."
    whole, sep, frac = text.partition(dec)
    if not whole or (sep and not frac.isdigit()):
        hint = "" if fmt.decimal else ' (if it uses the Italian convention, declare decimal: ",")'
        msg = f"is not a number with decimal separator {dec!r}{hint}"
        raise NumberFormatError(msg)
    digits = _digits_grouped(whole, (fmt.group, " "))
    return sign * float(f"{digits}.{frac}" if sep else digits)


def parse_area(value: object, *, fmt: NumberFormat, unit: str = "m2") -> float:
    """Read an area in square metres: a number with an optional unit after it.

    Parameters
    ----------
    value
        A number (in ``unit``) or its text, such as ``"12.500 mq"`` or ``"1,25 ha"``.
    fmt
        The file's number convention.
    unit
        The unit of values written without one (a key of :data:`AREA_UNITS`).

    Returns
    -------
    float
        Square metres (NaN when missing).

    Raises
    ------
    NumberFormatError
        As :func:`parse_number`.
    """
    factor = AREA_UNITS[unit]
    if isinstance(value, str):
        m = _UNIT.search(value)
        if m is not None:
            factor = AREA_UNITS[m.group(1).lower()]
            value = value[: m.start()]
    return parse_number(value, fmt=fmt) * factor


def number_format(raw: Mapping[str, object], *, where: str) -> NumberFormat:
    """The :class:`NumberFormat` declared by ``decimal`` / ``thousands`` keys of a mapping.

    Raises
    ------
    ValueError
        Through :class:`~seriana_gis._errors.ConfigError`: an unknown separator,
        or the same one for both.
    """
    from .._errors import ConfigError

    decimal = raw.get("decimal")
    thousands = raw.get("thousands")
    if decimal is not None and decimal not in DECIMALS:
        msg = f'{where}: decimal {decimal!r} is not one of "." or ",".'
        raise ConfigError(msg)
    if thousands is not None and thousands not in THOUSANDS:
        valid = ", ".join(repr(t) for t in THOUSANDS)
        msg = f"{where}: thousands {thousands!r} is not one of {valid}."
        raise ConfigError(msg)
    if thousands is not None and decimal is None:
        msg = f'{where}: thousands is declared without decimal; add decimal: "," or ".".'
        raise ConfigError(msg)
    if thousands is not None and thousands == decimal:
        msg = f"{where}: decimal and thousands separators are both {decimal!r}."
        raise ConfigError(msg)
    return NumberFormat(
        decimal=None if decimal is None else str(decimal),
        thousands=None if thousands is None else str(thousands),
    )
