"""Atomic, non-clobbering output writes.

Every output of seriana_gis is written to a temporary file in the destination
folder and renamed over the target only when complete, so that an interrupted
run never leaves a half-written file and readers never see one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ._errors import OutputError, OutputExistsError


def check_writable(path: Path, *, overwrite: bool) -> None:
    """Refuse to replace an existing ``path`` unless ``overwrite`` is true.

    Parameters
    ----------
    path
        The output that is about to be written.
    overwrite
        Whether replacing an existing file was asked for.

    Raises
    ------
    OutputExistsError
        If ``path`` exists and ``overwrite`` is false.
    """
    if path.exists() and not overwrite:
        msg = (
            f"{path} already exists and would be replaced. "
            "Pass --overwrite (overwrite=True) to replace it, or choose another output path."
        )
        raise OutputExistsError(msg)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], *, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` on success.

    The temporary file keeps the target's suffix, so that drivers chosen by
    extension (GeoPackage, GeoTIFF) behave as for the target. On error the
    temporary file is removed and ``path`` is left untouched.

    Parameters
    ----------
    path
        The final output path. Its folder is created if needed.
    overwrite
        If false and ``path`` exists, raise :class:`OutputExistsError` first.

    Yields
    ------
    pathlib.Path
        Where to write.
    """
    target = Path(path)
    check_writable(target, overwrite=overwrite)
    if target.is_dir():
        msg = f"{target} is a folder; give a file name for this output."
        raise OutputError(msg)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=target.parent
        )
    except OSError as exc:
        msg = (
            f"cannot write {target}: {exc.strerror or exc}. Choose an output folder you can "
            "write to (a path whose parts are folders, not files)."
        )
        raise OutputError(msg) from None
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # let the writer create it: some drivers refuse an existing empty file
    try:
        yield tmp
        if not tmp.exists():
            msg = f"internal error: nothing was written for {target}"
            raise RuntimeError(msg)
        tmp.replace(target)
    finally:
        for leftover in (tmp, Path(f"{tmp}-journal"), Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


def write_text(path: str | os.PathLike[str], text: str, *, overwrite: bool = True) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically and return the path."""
    with atomic_path(path, overwrite=overwrite) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)
