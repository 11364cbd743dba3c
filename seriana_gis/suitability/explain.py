"""Why this rank: the criteria that help and hurt a site most, in words.

For a scored site and a profile with weights :math:`w_c` and standardised
values :math:`s_c \\in [0, 1]`, a criterion *helps* when it is at least half
met (:math:`s_c \\ge 0.5`) and adds :math:`w_c s_c` to the weighted sum; it
*hurts* when it is less than half met and loses :math:`w_c (1 - s_c)` of the
:math:`w_c` it could have added. :func:`why` names the criteria that add most
and lose most, each with the site's value in its unit and the share of its
weight, for example::

    helps: lorry time to the A4 6.2 min (+0.24 of 0.25), site area 7.9 ha
    (+0.15 of 0.15); hurts: residents within 500 m 2,300 (−0.18 of 0.20)

Under WLC the added parts sum to the score and the lost parts to one minus
it; under TOPSIS and OWA they show each criterion's weighted standing, not an
exact decomposition of the score. An excluded site's text is its exclusion.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from .profile import Profile

FloatArray = npt.NDArray[np.float64]

#: How many helping and hurting criteria a text names.
N_NAMED = 2


def format_value(x: float, unit: str = "") -> str:
    """A criterion value in its unit, as a planner reads it.

    Square metres of 10,000 and more are shown in hectares; the number of
    decimals follows the size (none from 10, one from 1, two below for a
    number without a unit, such as a compactness).

    Examples
    --------
    >>> format_value(79000, "m²"), format_value(6.24, "min"), format_value(2300.4, "residents")
    ('7.9 ha', '6.2 min', '2,300 residents')
    """
    if not math.isfinite(x):
        return "unknown"
    if unit == "m²" and abs(x) >= 10_000:
        x, unit = x / 10_000, "ha"
    digits = 0 if abs(x) >= 10 or x == 0 else 1 if abs(x) >= 1 or unit else 2
    text = f"{x:,.{digits}f}"
    return f"{text} {unit}" if unit else text


def _lower_first(label: str) -> str:
    """``"Lorry time to the A4"`` → ``"lorry time to the A4"``; acronyms (``"TEB stop"``) kept."""
    if len(label) > 1 and label[0].isupper() and not label[1].isupper():
        return label[0].lower() + label[1:]
    return label


def why(raw: FloatArray, s: FloatArray, profile: Profile, *, n: int = N_NAMED) -> str:
    """The criteria that help and hurt one site most.

    Parameters
    ----------
    raw
        The site's indicator values, in criterion order (NaN when unknown).
    s
        Their standardised values in [0, 1].
    profile
        The profile (labels, units, weights).
    n
        How many helping and hurting criteria to name.

    Returns
    -------
    str
        ``"helps: ...; hurts: ..."``; "helps" is left out when no criterion
        is half met, "hurts: nothing below half" when every one is. A value
        unknown but scored (the criterion's ``missing_score``) is named apart:
        ``"; unknown: shape (counted as 0.50)"``.
    """
    w = profile.weights
    gained = w * s
    lost = w * (1.0 - s)

    def part(j: int, amount: float, sign: str) -> str:
        c = profile.criteria[j]
        value = format_value(float(raw[j]), c.unit)
        return f"{_lower_first(c.label)} {value} ({sign}{amount:.2f} of {w[j]:.2f})"

    known = ~np.isnan(raw)
    helps = [j for j in np.argsort(-gained, kind="stable") if known[j] and s[j] >= 0.5 and w[j] > 0]
    hurts = [j for j in np.argsort(-lost, kind="stable") if known[j] and s[j] < 0.5 and w[j] > 0]
    out = []
    if helps:
        out.append("helps: " + ", ".join(part(int(j), gained[j], "+") for j in helps[:n]))
    out.append(
        "hurts: " + ", ".join(part(int(j), lost[j], "−") for j in hurts[:n])
        if hurts
        else "hurts: nothing below half"
    )
    unknown = [
        f"{_lower_first(profile.criteria[j].label)} (counted as {s[j]:.2f})"
        for j in np.flatnonzero(~known)
        if w[j] > 0
    ]
    if unknown:
        out.append("unknown: " + ", ".join(unknown))
    return "; ".join(out)


def why_texts(
    raw: FloatArray,
    s: FloatArray,
    profile: Profile,
    *,
    scored: npt.NDArray[np.bool_],
    reasons: list[list[str]],
    n: int = N_NAMED,
) -> list[str]:
    """:func:`why` for every site, or ``"excluded: ..."`` for the sites not scored.

    Parameters
    ----------
    raw
        ``(n_sites, n_criteria)`` indicator values.
    s
        Standardised values for the scored sites only (``(scored.sum(), n_criteria)``).
    profile
        The profile.
    scored
        Which sites were scored.
    reasons
        The exclusion reasons per site.
    n
        How many helping and hurting criteria to name.
    """
    out: list[str] = []
    k = 0
    for i in range(len(raw)):
        if scored[i]:
            out.append(why(raw[i], s[k], profile, n=n))
            k += 1
        else:
            out.append("excluded: " + "; ".join(reasons[i]))
    return out
