"""Columns of a road graph: rules applied once per distinct value, neighbour counts.

Shared by the networkx road graphs and the road arrays
(:mod:`seriana_gis.network.arrays`): a rule written for one edge's values (the
road model's, the lorry rule, a scenario's selector) runs once per distinct
combination of values, and every edge gets its result; no Python object per
edge is made for a column held as a categorical.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix


def distinct_neighbours(n: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """How many distinct nodes each node is linked to, in either direction (itself included)."""
    ones = np.ones(len(u), dtype=np.int32)
    a = csr_matrix((ones, (u, v)), shape=(n, n))
    both = (a + a.T).tocsr()  # duplicates summed: one stored entry per neighbour
    return np.diff(both.indptr)


def _levels(col: Any) -> tuple[np.ndarray, np.ndarray]:
    """A column as codes into its distinct values (tuples for lists; a missing value is one)."""
    if isinstance(getattr(col, "dtype", None), pd.CategoricalDtype):
        cat = col.array if isinstance(col, pd.Series) else col
        values = np.empty(len(cat.categories) + 1, dtype=object)
        values[:-1] = cat.categories.to_numpy(dtype=object)
        values[-1] = None
        codes = np.asarray(cat.codes, dtype=np.int64)
        return np.where(codes >= 0, codes, len(values) - 1), values
    values = np.asarray(col, dtype=object)
    lists = np.flatnonzero([isinstance(x, list) for x in values])
    if len(lists):
        values = values.copy()
        for i in lists:
            values[i] = tuple(values[i])
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=False)
    return np.asarray(codes, dtype=np.int64), np.asarray(uniques, dtype=object)


def unique_rows(*columns: Any) -> tuple[list[tuple[Any, ...]], np.ndarray]:
    """The distinct combinations of the columns' values, and each row's combination.

    Columns are arrays, Series or Categoricals (a categorical is read through its
    codes, never value by value). Lists (values merged by the simplification,
    held as tuples in categoricals) are given back as lists, as a graph edge
    holds them; a missing value as None.

    Returns
    -------
    tuple
        The combinations (one tuple of values each) and, per row, the index of its
        combination.
    """
    n = len(columns[0]) if columns else 0
    combined = np.zeros(n, dtype=np.int64)
    levels = []
    for col in columns:
        codes, values = _levels(col)
        levels.append(values)
        combined = combined * max(len(values), 1) + codes
    if n and combined.max() < 4 * n + 1024:  # small code space: no sort
        seen = np.zeros(int(combined.max()) + 1, dtype=bool)
        seen[combined] = True
        combos = np.flatnonzero(seen)
        lookup = np.cumsum(seen) - 1
        inverse = lookup[combined]
    else:
        combos, inverse = np.unique(combined, return_inverse=True)
    out = []
    for code in combos.tolist():
        args: list[Any] = []
        for level in reversed(levels):
            code, at = divmod(code, max(len(level), 1))
            value = level[at]
            if isinstance(value, float) and math.isnan(value):
                value = None
            args.append(list(value) if isinstance(value, tuple) else value)
        out.append(tuple(reversed(args)))
    return out, inverse


def per_unique(func: Callable[..., Any], *columns: Any, dtype: Any = object) -> np.ndarray:
    """``func`` applied once per distinct combination of the columns' values, for every row.

    Parameters
    ----------
    func
        Called with one value per column, as a graph edge holds them (:func:`unique_rows`).
    columns
        Equal-length columns.
    dtype
        Of the result.

    Returns
    -------
    numpy.ndarray
        ``func``'s result for each row.
    """
    combos, inverse = unique_rows(*columns)
    results = np.empty(len(combos), dtype=dtype)
    for j, combo in enumerate(combos):
        results[j] = func(*combo)
    return results[inverse]
