"""The exceptions seriana_gis raises.

One small hierarchy, each class subclassing a built-in so that callers who do
not know seriana_gis can still catch it (``except ValueError``). Every message
says what is wrong, where (file, layer, column, feature id) and how to fix it.
The CLI turns any :class:`SerianaError` into one message and exit code 2.
"""

from __future__ import annotations


class SerianaError(Exception):
    """Base class of every error caused by the user's input or environment."""


class ConfigError(SerianaError, ValueError):
    """A configuration file (study area, profile, scenario) is invalid."""


class DataError(SerianaError, ValueError):
    """A data file or layer is unreadable, incomplete or inconsistent."""


class CRSError(DataError):
    """A layer has no coordinate reference system, or an unusable one."""


class GeometryError(DataError):
    """Geometries are empty or invalid beyond repair."""


class NetworkError(SerianaError, ValueError):
    """A road or transit graph cannot be used as asked."""


class SourceUnavailableError(SerianaError, OSError):
    """A remote source cannot be reached and nothing is cached."""


class OutputExistsError(SerianaError, FileExistsError):
    """An output file exists and overwriting it was not asked for."""


class OutputError(SerianaError, OSError):
    """An output cannot be written where asked (not a folder, no permission, disk full)."""


class DataWarning(UserWarning):
    """Input was usable but needed attention (repaired geometry, features outside the area)."""
