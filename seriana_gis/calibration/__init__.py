"""Calibrating the road travel-time model on observed trips (``seriana calibrate``).

:mod:`~seriana_gis.calibration.trips` reads and validates a file of observed
car trips and resolves its places; :mod:`~seriana_gis.calibration.fit` fits
the parameters of :mod:`seriana_gis.network.model` by bounded least squares
and reports every trip's error before and after, and held out (k-fold
cross-validation); :mod:`~seriana_gis.calibration.floor` finds the observations
that contradict each other and the smallest error any model must make on them.
"""

from __future__ import annotations

from .fit import (
    FOLDS,
    TARGET_MAX_PCT,
    TARGET_MEDIAN_PCT,
    CalibrationResult,
    FitProblem,
    TripEvaluator,
    build_problem,
    calibrate,
    evaluate,
)
from .trips import read_trips, trip_places, validate_trips

__all__ = [
    "FOLDS",
    "TARGET_MAX_PCT",
    "TARGET_MEDIAN_PCT",
    "CalibrationResult",
    "FitProblem",
    "TripEvaluator",
    "build_problem",
    "calibrate",
    "evaluate",
    "read_trips",
    "trip_places",
    "validate_trips",
]
