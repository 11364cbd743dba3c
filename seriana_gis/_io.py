"""Atomic, non-clobbering output writes, and one commit per command.

Every output of seriana_gis is written to a temporary file in the destination
folder and renamed over the target only when complete, so that an interrupted
run never leaves a half-written file and readers never see one. Inside
:func:`staged_outputs` (every ``seriana`` command runs in one) the renames of
all outputs wait for the end of the command and happen together: a command
that fails or is interrupted leaves the previous outputs as they were.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import shutil
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


def check_output(path: str | os.PathLike[str], *, overwrite: bool) -> None:
    """Fail now, before any work, if ``path`` could not be written later.

    Checks that ``path`` is not an existing file (unless ``overwrite``), not a
    folder, and that a file can be created in its folder; leaves nothing behind.

    Raises
    ------
    OutputExistsError
        ``path`` exists and ``overwrite`` is false.
    OutputError
        ``path`` is a folder, or its folder cannot be written.
    """
    probe = Staging()
    try:
        probe.reserve(path, overwrite=overwrite)
    finally:
        probe.discard()


class Staging:
    """The outputs of one command, written aside and moved into place together.

    Each output is written to a hidden temporary file beside its target
    (``.{stem}.XXXXXXXX.tmp{suffix}``, on the same file system, so the final
    rename is atomic). :meth:`commit` moves them all into place with SIGINT
    and SIGTERM held; if a move fails, the targets already replaced get their
    previous content back. :meth:`discard` removes whatever was staged, and
    the folders created for it.
    """

    def __init__(self) -> None:
        self._staged: dict[Path, Path] = {}
        self._superseded: list[Path] = []
        self._made: list[Path] = []

    def reserve(self, path: str | os.PathLike[str], *, overwrite: bool = True) -> Path:
        """A temporary path for ``path``, checked for writing now.

        Parameters
        ----------
        path
            The final output path. Its folder is created if needed (and removed
            again by :meth:`discard` when it stays empty).
        overwrite
            If false and ``path`` exists, raise :class:`OutputExistsError`.

        Returns
        -------
        pathlib.Path
            Where to write (not yet existing). Reserving the same target again
            replaces the earlier staged file.

        Raises
        ------
        OutputExistsError
            ``path`` exists and ``overwrite`` is false.
        OutputError
            ``path`` is a folder, or its folder cannot be written.
        """
        target = Path(path)
        check_writable(target, overwrite=overwrite)
        if target.is_dir():
            msg = f"{target} is a folder; give a file name for this output."
            raise OutputError(msg)
        try:
            missing = [p for p in (target.parent, *target.parent.parents) if not p.exists()]
            target.parent.mkdir(parents=True, exist_ok=True)
            self._made.extend(missing)
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
        key = target.absolute()
        if key in self._staged:  # kept until the end: the new version may be made from it
            self._superseded.append(self._staged[key])
        self._staged[key] = tmp
        return tmp

    def staged(self, path: str | os.PathLike[str]) -> Path | None:
        """The staged file of ``path`` if one was written, else None."""
        tmp = self._staged.get(Path(path).absolute())
        return tmp if tmp is not None and tmp.exists() else None

    def drop(self, path: str | os.PathLike[str]) -> None:
        """Forget ``path``'s staged file and remove it."""
        tmp = self._staged.pop(Path(path).absolute(), None)
        if tmp is not None:
            _remove(tmp)

    @property
    def targets(self) -> list[Path]:
        """The outputs staged so far."""
        return list(self._staged)

    def commit(self) -> None:
        """Move every staged file into place, all or none.

        Raises
        ------
        OutputError
            A file could not be moved; the outputs are as before the commit.
        """
        from ._signals import deferred_interrupts

        with deferred_interrupts():
            done: list[tuple[Path, Path | None]] = []
            try:
                for target, tmp in self._staged.items():
                    if not tmp.exists():
                        msg = f"internal error: nothing was written for {target}"
                        raise RuntimeError(msg)
                    backup = _backup(target) if target.exists() else None
                    try:
                        tmp.replace(target)
                    except BaseException:
                        if backup is not None:
                            _remove(backup)
                        raise
                    done.append((target, backup))
            except OSError as exc:
                _roll_back(done)
                msg = (
                    f"cannot move the new outputs into place ({exc}); the previous outputs are "
                    "unchanged. Check the folder's permissions and free space, then run again."
                )
                raise OutputError(msg) from None
            except BaseException:
                _roll_back(done)
                raise
            for _, backup in done:
                if backup is not None:
                    _remove(backup)
            self._staged.clear()
            self._made.clear()
            self.discard()

    def discard(self) -> None:
        """Remove every staged file (and the folders made for them, when empty)."""
        for tmp in [*self._staged.values(), *self._superseded]:
            _remove(tmp)
        self._staged.clear()
        self._superseded.clear()
        for folder in sorted(self._made, key=lambda p: len(p.parts), reverse=True):
            with contextlib.suppress(OSError):
                folder.rmdir()
        self._made.clear()


def _remove(tmp: Path) -> None:
    for leftover in (tmp, Path(f"{tmp}-journal"), Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()


def _backup(target: Path) -> Path:
    """A hard link (else a copy) of ``target`` to restore it if the commit fails."""
    backup = target.with_name(f".{target.name}.{os.getpid()}.bak")
    _remove(backup)
    try:
        os.link(target, backup)
    except OSError:
        shutil.copy2(target, backup)
    return backup


def _roll_back(done: list[tuple[Path, Path | None]]) -> None:
    for target, backup in reversed(done):
        with contextlib.suppress(OSError):
            if backup is None:
                target.unlink()
            else:
                backup.replace(target)


_current: contextvars.ContextVar[Staging | None] = contextvars.ContextVar(
    "seriana_staging", default=None
)


@contextlib.contextmanager
def staged_outputs() -> Iterator[Staging]:
    """Within the block, every :func:`atomic_path` write is staged; commit them together at the end.

    If the block raises (or is interrupted), nothing is moved into place and the
    staged files are removed. Nested blocks join the outermost one, which commits.

    Yields
    ------
    Staging
    """
    outer = _current.get()
    if outer is not None:
        yield outer
        return
    staging = Staging()
    token = _current.set(staging)
    try:
        yield staging
        staging.commit()
    finally:
        _current.reset(token)
        staging.discard()


def current_version(path: str | os.PathLike[str]) -> Path:
    """``path``'s staged file when the current command has written one, else ``path``.

    For a writer that updates an output written earlier in the same command.
    """
    staging = _current.get()
    staged = staging.staged(path) if staging is not None else None
    return staged if staged is not None else Path(path)


@contextlib.contextmanager
def atomic_path(
    path: str | os.PathLike[str], *, overwrite: bool = True, stage: bool = True
) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` on success.

    The temporary file keeps the target's suffix, so that drivers chosen by
    extension (GeoPackage, GeoTIFF) behave as for the target. On error the
    temporary file is removed and ``path`` is left untouched. Inside
    :func:`staged_outputs` the rename waits for the block's commit.

    Parameters
    ----------
    path
        The final output path. Its folder is created if needed.
    overwrite
        If false and ``path`` exists, raise :class:`OutputExistsError` first.
    stage
        Join the current :func:`staged_outputs` block (the default). False for
        files that must be in place at once whatever the command does later,
        such as downloads into a cache.

    Yields
    ------
    pathlib.Path
        Where to write.
    """
    staging = _current.get() if stage else None
    if staging is None:
        staging = Staging()
        try:
            tmp = staging.reserve(path, overwrite=overwrite)
            yield tmp
            staging.commit()
        finally:
            staging.discard()
        return
    tmp = staging.reserve(path, overwrite=overwrite)
    try:
        yield tmp
        if not tmp.exists():
            msg = f"internal error: nothing was written for {path}"
            raise RuntimeError(msg)
    except BaseException:
        staging.drop(path)
        raise


def write_text(path: str | os.PathLike[str], text: str, *, overwrite: bool = True) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically and return the path."""
    with atomic_path(path, overwrite=overwrite) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)
