"""Economic activities: ISTAT's ATECO 2007 tree and the sectors the study names.

The classification is not typed in here: sections and divisions, their
titles and which section each division belongs to come from the ``ateco``
package (PyPI, MIT code; the classification data are ISTAT's, CC BY 4.0),
which ships ISTAT's ATECO 2007, 2007-update-2022 and 2025 trees.

The study (Tolomeo Studi e Ricerche for Confindustria Bergamo and the unions)
speaks of textiles and clothing, the steel and mechanical industries,
electrical machinery, transport and services to enterprises. :data:`SECTORS`
names them as sets of ATECO 2007 divisions or sections:

============================  ==========================================
sector                        ATECO 2007
============================  ==========================================
``total``                     every activity
``manufacturing``             section C
``textiles``                  division 13
``clothing``                  division 14
``textiles_clothing``         divisions 13 and 14 (the study's "textile and clothing")
``metals``                    divisions 24 (basic metals), 25 (metal products)
``electrical``                divisions 26 (electronics), 27 (electrical equipment)
``machinery``                 division 28
``transport_logistics``       divisions 49–53 (section H)
``business_services``         sections M and N (professional, scientific,
                              technical; administrative and support services)
============================  ==========================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import pandas as pd

from .._errors import ConfigError

#: The ATECO edition of the census 2011 and of ASIA from 2008 to 2021.
EDITION = "2007"
#: The code ISTAT's tables use for the total of all activities (SDMX and I.Stat).
TOTAL = "TOTAL"
_TOTAL_CODES = frozenset({"TOTAL", "0010", "00100", "TOT", "ALL", "TOTALE"})
_SECTIONS = tuple("ABCDEFGHIJKLMNOPQRSTU")


@dataclass(frozen=True)
class Sector:
    """A named group of ATECO 2007 divisions and/or sections."""

    name: str
    label: str
    divisions: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()

    @property
    def is_total(self) -> bool:
        """True for the sector of every activity."""
        return not self.divisions and not self.sections


#: The sectors the study names (see the module docstring).
SECTORS: dict[str, Sector] = {
    s.name: s
    for s in (
        Sector("total", "All activities"),
        Sector("manufacturing", "Manufacturing", sections=("C",)),
        Sector("textiles", "Textiles", divisions=("13",)),
        Sector("clothing", "Clothing", divisions=("14",)),
        Sector("textiles_clothing", "Textiles and clothing", divisions=("13", "14")),
        Sector("metals", "Basic metals and metal products", divisions=("24", "25")),
        Sector("electrical", "Electronics and electrical equipment", divisions=("26", "27")),
        Sector("machinery", "Machinery", divisions=("28",)),
        Sector(
            "transport_logistics",
            "Transport and logistics",
            divisions=("49", "50", "51", "52", "53"),
        ),
        Sector("business_services", "Business services", sections=("M", "N")),
    )
}


@cache
def ateco_table(edition: str = EDITION) -> pd.DataFrame:
    """Sections and divisions of an ATECO edition, from the ``ateco`` package.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``code`` (a section letter or a two-digit division) with
        ``level`` (``section`` or ``division``), ``title`` (ISTAT's Italian
        title) and ``section`` (the section a division belongs to; itself for
        a section).
    """
    import ateco

    rows = []
    for code in (*_SECTIONS, *(f"{d:02d}" for d in range(1, 100))):
        node = ateco.lookup(code, edition=edition)
        if node is None or node.level not in ("section", "division"):
            continue
        section = node.code if node.level == "section" else str(node.parent)
        rows.append(
            {"code": node.code, "level": node.level, "title": node.title, "section": section}
        )
    return pd.DataFrame(rows).set_index("code")


def normalise_code(value: object) -> str | None:
    """ATECO code as ISTAT's files write it → ``TOTAL``, a section letter or a division.

    Accepted: the totals (``0010``, ``TOTAL``, ``TOT``), a section (``C``),
    a division (``13``, ``C13``, ``13.2``, ``13.20.00``: finer codes are
    returned as their division). Returns None for a code that is none of
    these; :func:`check_codes` says which codes the tree lacks.
    """
    text = str(value).strip().upper()
    if not text or text in ("NAN", "NONE"):
        return None
    if text in _TOTAL_CODES:
        return TOTAL
    if re.fullmatch(r"[A-U]", text):
        return text
    m = re.fullmatch(r"(?:[A-U])?(\d{2})(?:[.\d]*)", text)
    if m:
        return m.group(1)
    return None


def check_codes(codes: pd.Series, *, where: str, edition: str = EDITION) -> pd.Series:
    """Normalise a column of ATECO codes; an unknown code is one clear error.

    Parameters
    ----------
    codes
        The codes as read.
    where
        File and column, for the message.
    edition
        The ATECO edition to check against.

    Returns
    -------
    pandas.Series
        ``TOTAL``, section letters and two-digit divisions, on the input's index.
    """
    from .._errors import DataError

    tree = ateco_table(edition)
    out = codes.map(normalise_code)
    bad = out.isna() | ~(out.isin(tree.index) | (out == TOTAL))
    if bad.any():
        first = codes[bad]
        shown = ", ".join(repr(str(v)) for v in first.unique()[:8])
        msg = (
            f"{where}: ATECO code(s) {shown} are not ATECO {edition} sections or divisions "
            f"(first at row {first.index[0]}). Use a section letter (C), a division (13) or "
            "0010/TOTAL for all activities."
        )
        raise DataError(msg)
    return out


def sector(name: str) -> Sector:
    """The sector called ``name``; an unknown name lists the valid ones."""
    if name not in SECTORS:
        from ..config import closest

        hint = closest(name, tuple(SECTORS))
        did = f" Did you mean {hint[0]!r}?" if hint else ""
        msg = f"unknown sector {name!r}.{did} Sectors: {', '.join(SECTORS)}."
        raise ConfigError(msg)
    return SECTORS[name]
