"""Fitting the road model to observed trips: bounded least squares and k-fold cross-validation.

Residuals
---------
Each observation :math:`i` (a trip's off-peak or peak time :math:`o_i`)
contributes the log ratio of the model's time :math:`t_i(\\theta)` to it,

.. math:: r_i = \\ln \\frac{t_i(\\theta)}{o_i},

scale-free (a 10 % error weighs the same on a 5 and a 50 minute trip) and
symmetric in over- and under-estimation. A published *upper* bound ("in less
than half an hour") contributes :math:`\\max(r_i, 0)`, a lower bound
:math:`\\min(r_i, 0)`: only a violated bound costs. Every parameter
:math:`\\theta_j` also contributes a weak prior residual

.. math:: r_j = w\\, \\frac{\\theta_j - \\theta_j^0}{\\sigma_j},

with the priors :math:`\\theta^0`, :math:`\\sigma` and bounds of
:mod:`seriana_gis.network.profile` and :math:`w` = :data:`PRIOR_WEIGHT`: a
parameter one prior standard deviation away costs as much as one trip 10 % off.
It keeps a parameter that no trip informs (signals on a network that has none,
peak factors without peak trips) at its prior instead of anywhere in its bounds.

:func:`scipy.optimize.least_squares` (trust-region reflective, within the
bounds) minimises :math:`\\sum r^2`. The model's times are the shortest paths
of :func:`seriana_gis.network.model.edge_times` on the graph (re-weighted at
every step: the route may change with the parameters).

Errors and targets
------------------
A trip's error is :math:`t/o - 1` (a bound's: its violation, 0 when kept).
Reported per observation before (the starting profile) and after the fit, and
*held out*: with :math:`k`-fold cross-validation (trips dealt to :math:`k`
folds in ``trip_id`` order, each fold predicted by a fit on the others). The
targets (:data:`TARGET_MEDIAN_PCT`, :data:`TARGET_MAX_PCT`): held-out median
absolute error of the typical-value observations at most 12 %, and no
observation off by more than 25 % after the fit.

A trip marked ``use_in_fit: no`` (a published time biased by a cause its
source states: roadworks, an evening peak where the model has a morning one)
is not fitted and not in the error statistics, but it is still timed and
reported, marked (``fitted`` false): its "after" and "held out" are the same
prediction, by a fit that never saw it.
"""

# ruff: noqa: N803, N806  (G: the networkx / osmnx name for graphs)

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.optimize import least_squares
from scipy.sparse.csgraph import dijkstra

from .._errors import DataError
from ..accessibility.times import locate_sites
from ..network.model import annotate_network, edge_terms, edge_times
from ..network.profile import SpeedProfile, parameters, prior_profile
from .trips import trip_places

logger = logging.getLogger(__name__)

#: Weight of the prior residuals (see the module docs).
PRIOR_WEIGHT = 0.1
#: Default number of cross-validation folds.
FOLDS = 5
#: Accuracy targets (%).
TARGET_MEDIAN_PCT = 12.0
TARGET_MAX_PCT = 25.0
#: A place closer than this to the edge of a network's coverage is "outside" it (m).
COVERAGE_MARGIN_M = 200.0
#: Observation periods and the time-of-day profile each is compared with.
PERIODS: dict[str, str] = {"time_offpeak_min": "off_peak", "time_peak_min": "am_peak"}


def observations(trips: pd.DataFrame) -> pd.DataFrame:
    """One row per observed time of the trips (off-peak and peak are two).

    Parameters
    ----------
    trips
        As returned by :func:`~seriana_gis.calibration.trips.validate_trips`.

    Returns
    -------
    pandas.DataFrame
        ``trip_id``, ``time_of_day`` (``off_peak`` / ``am_peak``),
        ``observed_min``, ``bound`` (``""``, ``upper``, ``lower``), ``origin``,
        ``destination``.
    """
    rows = []
    for _, t in trips.iterrows():
        for col, period in PERIODS.items():
            value = float(t[col])
            if np.isfinite(value):
                rows.append(
                    (t["trip_id"], period, value, t["time_bound"], t["origin"], t["destination"])
                )
    return pd.DataFrame(
        rows,
        columns=["trip_id", "time_of_day", "observed_min", "bound", "origin", "destination"],
    )


def locate_places(G: nx.MultiDiGraph, places: gpd.GeoDataFrame) -> pd.DataFrame:
    """Road node and access time of every place, as the accessibility analyses place them.

    Parameters
    ----------
    G
        The road graph (not changed).
    places
        As returned by :func:`~seriana_gis.calibration.trips.trip_places`.

    Returns
    -------
    pandas.DataFrame
        On the places' index: ``node``, ``access_s``, ``snap_m``, ``snap_flag``.
    """
    parts = []
    for kind, layer in (("muni", "municipalities"), ("dest", "destinations"), ("point", "points")):
        sub = places[places["kind"] == kind]
        if len(sub):
            parts.append(
                locate_sites(G, sub, layer=layer)[["node", "access_s", "snap_m", "snap_flag"]]
            )
    return pd.concat(parts).loc[places.index]


def places_inside(G: nx.MultiDiGraph, places: gpd.GeoDataFrame) -> pd.Series:
    """Whether each place lies well inside the graph's coverage.

    A place is inside when its anchor (a municipality's centre point, or the
    point) lies inside the convex hull of the graph's nodes shrunk by
    :data:`COVERAGE_MARGIN_M`: a network cut at a city limit (an OSM extract)
    covers the trips whose two ends it contains, not the others.

    Parameters
    ----------
    G
        The road graph.
    places
        As returned by :func:`~seriana_gis.calibration.trips.trip_places`.

    Returns
    -------
    pandas.Series
        Bool on the places' index.
    """
    xy = np.array([(d["x"], d["y"]) for _, d in G.nodes(data=True)], dtype=float)
    hull = shapely.convex_hull(shapely.multipoints(xy)).buffer(-COVERAGE_MARGIN_M)
    pts = shapely.points(places["anchor_x"].to_numpy(), places["anchor_y"].to_numpy())
    return pd.Series(shapely.contains(hull, pts), index=places.index)


class TripEvaluator:
    """The model's times of a fixed set of trips on a fixed graph, for any profile.

    The graph is read once into arrays (:func:`~seriana_gis.network.model.edge_terms`);
    each call re-weights the edges and runs :func:`scipy.sparse.csgraph.dijkstra`
    from the trips' origins (the least weight over parallel edges, self-loops
    dropped, as the routing engine does).

    Parameters
    ----------
    G
        The road graph (annotated or not; not changed).
    origins, destinations
        Node ids of each trip's ends.
    access_s
        Access time of each trip (both snap legs, s).
    """

    def __init__(
        self,
        G: nx.MultiDiGraph,
        origins: Sequence[object],
        destinations: Sequence[object],
        access_s: Sequence[float],
    ) -> None:
        self.terms = edge_terms(G)
        nodes = list(G.nodes)
        pos = {n: i for i, n in enumerate(nodes)}
        u = self.terms["u"].map(pos).to_numpy(dtype=np.int64)
        v = self.terms["v"].map(pos).to_numpy(dtype=np.int64)
        keep = u != v
        self._keep = keep
        key = u[keep] * len(nodes) + v[keep]
        self._order = np.argsort(key, kind="stable")
        uniq, self._starts = np.unique(key[self._order], return_index=True)
        self._rows = (uniq // len(nodes)).astype(np.int64)
        self._cols = (uniq % len(nodes)).astype(np.int64)
        self._n = len(nodes)
        self.origins = np.array([pos[o] for o in origins], dtype=np.int64)
        self.destinations = np.array([pos[d] for d in destinations], dtype=np.int64)
        self.access_s = np.asarray(access_s, dtype=float)
        self._sources, self._source_row = np.unique(self.origins, return_inverse=True)

    def minutes(self, profile: SpeedProfile, *, time_of_day: str) -> np.ndarray:
        """Door-to-door minutes of every trip (``inf`` where no road path exists)."""
        run, delay = edge_times(self.terms, profile, time_of_day=time_of_day)
        w = (run + delay)[self._keep][self._order]
        best = np.minimum.reduceat(w, self._starts) if len(w) else w
        mat = sp.csr_matrix((best, (self._rows, self._cols)), shape=(self._n, self._n))
        if len(self._sources) == 0:
            return np.zeros(0)
        trees = dijkstra(mat, directed=True, indices=self._sources)
        path = trees[self._source_row, self.destinations]
        return (path + self.access_s) / 60.0


def _errors(model: np.ndarray, observed: np.ndarray, bound: np.ndarray) -> np.ndarray:
    """Relative error :math:`t/o - 1`, a kept bound 0 (see the module docs)."""
    err = model / observed - 1.0
    err = np.where((bound == "upper") & (err < 0), 0.0, err)
    return np.where((bound == "lower") & (err > 0), 0.0, err)


@dataclass
class FitProblem:
    """Observations of trips located on one graph."""

    evaluator: TripEvaluator
    obs: pd.DataFrame

    def fitted(self) -> np.ndarray:
        """Bool mask of the observations the fit uses (all when ``obs`` has no ``fitted``)."""
        if "fitted" not in self.obs.columns:
            return np.ones(len(self.obs), dtype=bool)
        return self.obs["fitted"].to_numpy(dtype=bool)

    def model_minutes(self, profile: SpeedProfile) -> np.ndarray:
        """The model's minutes for every observation."""
        out = np.full(len(self.obs), np.nan)
        for period in ("off_peak", "am_peak"):
            rows = (self.obs["time_of_day"] == period).to_numpy()
            if rows.any():
                t = self.evaluator.minutes(profile, time_of_day=period)
                out[rows] = t[self.obs.loc[rows, "_trip"].to_numpy(dtype=int)]
        return out


def _residuals(
    x: np.ndarray,
    problem: FitProblem,
    rows: np.ndarray,
    prior: np.ndarray,
    sigma: np.ndarray,
    bounds: tuple[np.ndarray, np.ndarray],
) -> np.ndarray:
    x = np.clip(x, *bounds)
    t = problem.model_minutes(SpeedProfile.from_vector(x))[rows]
    o = problem.obs["observed_min"].to_numpy(dtype=float)[rows]
    b = problem.obs["bound"].to_numpy(dtype=object)[rows]
    r = np.log(t / o)
    r = np.where((b == "upper") & (r < 0), 0.0, r)
    r = np.where((b == "lower") & (r > 0), 0.0, r)
    return np.concatenate([r, PRIOR_WEIGHT * (x - prior) / sigma])


def fit(problem: FitProblem, rows: np.ndarray, *, start: SpeedProfile) -> np.ndarray:
    """Bounded least squares on the observations ``rows`` (bool mask); returns the parameters."""
    params = parameters()
    prior = np.array([p.prior for p in params])
    sigma = np.array([p.sigma for p in params])
    lower = np.array([p.lower for p in params])
    upper = np.array([p.upper for p in params])
    x0 = np.clip(start.vector(), lower, upper)
    res = least_squares(
        _residuals,
        x0,
        bounds=(lower, upper),
        args=(problem, rows, prior, sigma, (lower, upper)),
        method="trf",
        x_scale=np.maximum(np.abs(prior), sigma),
    )
    return np.clip(res.x, lower, upper)


@dataclass
class CalibrationResult:
    """What :func:`calibrate` found.

    Attributes
    ----------
    profile
        The fitted profile (all trips).
    start
        The profile the fit started from ("before").
    table
        One row per observation: ``trip_id``, ``origin``, ``destination``,
        ``time_of_day``, ``observed_min``, ``bound``, ``fitted``, ``before_min``,
        ``after_min``, ``heldout_min``, ``fold`` (-1 for a trip not fitted), and the errors
        ``before_err_pct``, ``after_err_pct``, ``heldout_err_pct``.
    summary
        The error statistics and targets (:func:`summarise`).
    informed
        Per parameter label, whether any observation's route uses it.
    excluded
        Trips left out, with the reason (``trip_id`` → text).
    """

    profile: SpeedProfile
    start: SpeedProfile
    table: pd.DataFrame
    summary: dict[str, float | int | bool]
    informed: dict[str, bool]
    excluded: dict[str, str] = field(default_factory=dict)


def summarise(table: pd.DataFrame) -> dict[str, float | int | bool]:
    """Error statistics of a calibration table, with the targets met or not.

    Medians are over the typical-value observations (a kept bound has no error
    to speak of); maxima over every observation. Observations of trips not
    fitted (``fitted`` false) are counted apart and left out of the figures.
    """
    if "fitted" in table.columns:
        not_fitted = int((~table["fitted"].astype(bool)).sum())
        table = table[table["fitted"].astype(bool)]
    else:
        not_fitted = 0
    typical = table["bound"] == ""
    out: dict[str, float | int | bool] = {
        "observations": len(table),
        "not_fitted_observations": not_fitted,
        "typical_observations": int(typical.sum()),
        "bound_observations": int((~typical).sum()),
    }
    for col in ("before", "after", "heldout"):
        err = table[f"{col}_err_pct"].abs()
        out[f"{col}_median_abs_err_pct"] = float(err[typical].median()) if typical.any() else 0.0
        out[f"{col}_max_abs_err_pct"] = float(err.max()) if len(err) else 0.0
    out["target_median_pct"] = TARGET_MEDIAN_PCT
    out["target_max_pct"] = TARGET_MAX_PCT
    out["median_target_met"] = bool(out["heldout_median_abs_err_pct"] <= TARGET_MEDIAN_PCT)
    out["max_target_met"] = bool(out["after_max_abs_err_pct"] <= TARGET_MAX_PCT)
    return out


def build_problem(
    G: nx.MultiDiGraph,
    trips: pd.DataFrame,
    municipalities: gpd.GeoDataFrame,
    destinations: gpd.GeoDataFrame,
    *,
    only_inside: bool = False,
) -> tuple[FitProblem, dict[str, str]]:
    """Locate the trips on ``G`` and list their observations.

    Parameters
    ----------
    G
        The road graph (not changed).
    trips
        Validated trips.
    municipalities, destinations
        The layers the place references name.
    only_inside
        Keep only the trips whose two ends lie inside the graph's coverage
        (:func:`places_inside`), for a network cut at a city limit.

    Returns
    -------
    tuple
        The problem, and the trips left out with the reason.
    """
    H = G if G.graph.get("road_model") == "annotated" else annotate_network(G)
    places = trip_places(trips, municipalities, destinations)
    excluded: dict[str, str] = {}
    keep = pd.Series(True, index=trips.index)
    fitted = pd.Series(True, index=trips.index)
    if "use_in_fit" in trips.columns:
        for tid, flag, note in zip(
            trips["trip_id"], trips["use_in_fit"], trips["note"], strict=True
        ):
            if flag == "no":
                fitted[tid] = False
                excluded[tid] = f"use_in_fit: no ({note or 'no reason given'})"
    if only_inside:
        inside = places_inside(H, places)
        for tid, o, d in zip(trips["trip_id"], trips["origin"], trips["destination"], strict=True):
            out = [p for p in (o, d) if not inside[p]]
            if out:
                keep[tid] = False
                excluded[tid] = f"outside the network's coverage: {', '.join(out)}"
    kept = trips[keep]
    if not keep.any():
        msg = "no trip lies inside the road network's coverage; give trips whose ends it covers."
        raise DataError(msg)
    if not (keep & fitted).any():
        msg = "every trip is marked use_in_fit: no; leave at least one to fit (use_in_fit empty)."
        raise DataError(msg)
    used = sorted(set(kept["origin"]) | set(kept["destination"]))
    loc = locate_places(H, places.loc[used])
    evaluator = TripEvaluator(
        H,
        loc.loc[kept["origin"], "node"].tolist(),
        loc.loc[kept["destination"], "node"].tolist(),
        (
            loc.loc[kept["origin"], "access_s"].to_numpy()
            + loc.loc[kept["destination"], "access_s"].to_numpy()
        ),
    )
    obs = observations(kept)
    obs["_trip"] = obs["trip_id"].map({t: i for i, t in enumerate(kept["trip_id"])})
    obs["fitted"] = obs["trip_id"].map(dict(zip(kept["trip_id"], fitted[keep], strict=True)))
    obs["fitted"] = obs["fitted"].astype(bool)
    return FitProblem(evaluator=evaluator, obs=obs), excluded


def _informed(problem: FitProblem, x: np.ndarray) -> dict[str, bool]:
    """Whether each parameter moves any observation (a finite-difference probe)."""
    base = problem.model_minutes(SpeedProfile.from_vector(x))
    out = {}
    for j, p in enumerate(parameters()):
        y = x.copy()
        step = 0.05 * max(abs(p.prior), p.sigma)
        y[j] = y[j] - step if y[j] - step >= p.lower else y[j] + step
        moved = problem.model_minutes(SpeedProfile.from_vector(y))
        out[p.label] = bool(np.nanmax(np.abs(moved - base)) > 1e-6)
    return out


def calibrate(
    problem: FitProblem,
    *,
    start: SpeedProfile | None = None,
    folds: int = FOLDS,
    name: str = "calibrated",
    description: str = "",
) -> CalibrationResult:
    """Fit the road model to the observations, with k-fold cross-validation.

    Parameters
    ----------
    problem
        From :func:`build_problem`.
    start
        The profile to start from and report as "before" (default: the priors).
    folds
        Number of cross-validation folds (2 or more, at most the number of trips).
    name, description
        Of the fitted profile.

    Returns
    -------
    CalibrationResult

    Raises
    ------
    DataError
        A trip without a road path, or too few trips for the folds.
    """
    start = start or prior_profile()
    obs = problem.obs
    before = problem.model_minutes(start)
    if not np.isfinite(before).all():
        bad = obs.loc[~np.isfinite(before), "trip_id"].tolist()
        msg = (
            f"trips {bad[:5]} have no road path between their ends on this network; "
            "check their places, or give a connected network."
        )
        raise DataError(msg)
    fitted = problem.fitted()
    trip_ids = sorted(obs.loc[fitted, "trip_id"].unique())
    if not 2 <= folds <= len(trip_ids):
        msg = f"folds must be from 2 to the number of trips fitted ({len(trip_ids)}), got {folds}."
        raise DataError(msg)
    fold_of = {t: i % folds for i, t in enumerate(trip_ids)}
    fold = obs["trip_id"].map(fold_of).fillna(-1).to_numpy(dtype=int)
    x = fit(problem, fitted, start=start)
    profile = replace(
        SpeedProfile.from_vector(x), name=name, description=description, source="seriana calibrate"
    )
    after = problem.model_minutes(profile)
    # a trip not fitted is held out of every fit: its held-out time is the fitted profile's
    heldout = np.where(fitted, np.nan, after)
    for k in range(folds):
        test = fold == k
        xk = fit(problem, fitted & ~test, start=start)
        heldout[test] = problem.model_minutes(SpeedProfile.from_vector(xk))[test]
    observed = obs["observed_min"].to_numpy(dtype=float)
    bound = obs["bound"].to_numpy(dtype=object)
    table = obs.drop(columns="_trip").assign(
        fitted=fitted,
        before_min=before,
        after_min=after,
        heldout_min=heldout,
        fold=fold,
        before_err_pct=100 * _errors(before, observed, bound),
        after_err_pct=100 * _errors(after, observed, bound),
        heldout_err_pct=100 * _errors(heldout, observed, bound),
    )
    return CalibrationResult(
        profile=profile,
        start=start,
        table=table.reset_index(drop=True),
        summary=summarise(table),
        informed=_informed(problem, x),
    )


def evaluate(problem: FitProblem, profile: SpeedProfile) -> pd.DataFrame:
    """The errors of a given profile on the observations (no fit): e.g. on another network.

    Returns
    -------
    pandas.DataFrame
        The observations with ``fitted``, ``model_min`` and ``err_pct``.
    """
    t = problem.model_minutes(profile)
    obs = problem.obs.drop(columns="_trip")
    err = 100 * _errors(
        t, obs["observed_min"].to_numpy(dtype=float), obs["bound"].to_numpy(dtype=object)
    )
    return obs.assign(fitted=problem.fitted(), model_min=t, err_pct=err).reset_index(drop=True)
