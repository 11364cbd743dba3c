"""Brownfield suitability: profiles, scores, Monte Carlo robustness and allocation.

The analysis works on plain DataFrames (or GeoDataFrames when a criterion is
spatial): the brownfields joined with their accessibility columns.

- :func:`load_profiles` reads the YAML profiles of ``analyses/``
  (``logistics``, ``services``, ``social_housing``; a new profile is a new file);
- :func:`run_suitability` scores and ranks the sites for every profile, explains
  each score by criterion, picks the best use, and runs the Monte Carlo;
- :func:`allocate` chooses one use (or none) per site to reach the study's
  job and dwelling targets (``analyses/allocation.yaml``);
- :func:`suitability_stage` does all of it on the territorial database's layers
  and :func:`write_suitability` writes the result, as ``seriana suitability``
  and the notebooks do (:mod:`.pipeline`).

Modules: :mod:`.standardise`, :mod:`.weights` (AHP), :mod:`.aggregate`
(WLC, TOPSIS, OWA), :mod:`.profile`, :mod:`.indicators`, :mod:`.score`,
:mod:`.robustness`, :mod:`.allocation`.
"""

from __future__ import annotations

from .allocation import AllocationConfig, AllocationResult, allocate, load_allocation
from .pipeline import SuitabilityStage, merge_results, suitability_stage, write_suitability
from .profile import Profile, load_profile, load_profiles, parse_profile
from .run import SuitabilityResult, municipality_summary, run_suitability
from .score import score_profile, score_sites
from .weights import AHPResult, ahp

__all__ = [
    "AHPResult",
    "AllocationConfig",
    "AllocationResult",
    "Profile",
    "SuitabilityResult",
    "SuitabilityStage",
    "ahp",
    "allocate",
    "load_allocation",
    "load_profile",
    "load_profiles",
    "merge_results",
    "municipality_summary",
    "parse_profile",
    "run_suitability",
    "score_profile",
    "score_sites",
    "suitability_stage",
    "write_suitability",
]
