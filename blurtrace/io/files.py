"""Files on disk: atomic writes, finding the inputs of a command, and the errors a user can cause.

Errors (a bad path, a broken or unsupported file, a full disk) are raised as
:class:`ImageReadError`, :class:`ImageWriteError` or :class:`OffsetsFileError`, each with a
one-line message that starts with the file name, e.g. ``photo.jpg: truncated JPEG data``, so
the command line can print it as is. This module does not import torch.
"""
from __future__ import annotations

import contextlib
import glob
import os
import secrets
from pathlib import Path
from typing import Iterator, Sequence

IMAGE_SUFFIXES: frozenset[str] = frozenset({".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".bmp"})


class ImageReadError(ValueError):
    """An input image is missing, unreadable, corrupt, unsupported or too large."""


class ImageWriteError(OSError):
    """An output file (image, offsets, …) could not be written."""


class OffsetsFileError(ValueError):
    """An offsets file is unreadable or breaks the offsets-file contract."""


def _first_line(error: BaseException) -> str:
    """The first line of an exception's message, or its type name if it has none."""
    lines = str(error).strip().splitlines()
    return lines[0].strip() if lines else type(error).__name__


def _os_reason(error: OSError) -> str:
    """``no space left on device`` style reason: strerror, lower-cased, without the path."""
    if error.strerror:
        return error.strerror[0].lower() + error.strerror[1:]
    return _first_line(error)


# --------------------------------------------------------------------------- atomic writes


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success move it onto ``path``, else delete it.

    The temporary name is ``.<name>.<random>.tmp<suffix>`` in the same directory (so the final
    ``os.replace`` is atomic, and encoders that choose a format by suffix still work). The
    file is created empty (mode from the umask), fsynced before the replace, and removed on
    any exception, KeyboardInterrupt included. Missing parent directories are created.
    Raises ``OSError`` as is; callers wrap it in their own error.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _create_temp(target)
    mode = tmp.stat().st_mode & 0o777
    try:
        yield tmp
        _fsync_path(tmp)
        # writers that recreate the file (e.g. safetensors) may leave 0600: restore umask's mode
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    with contextlib.suppress(OSError):  # durability of the rename; not possible everywhere
        _fsync_path(target.parent)


def _create_temp(target: Path) -> Path:
    """Create an empty, new temporary file beside ``target``."""
    while True:
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp{target.suffix}")
        try:
            # os.open with 0o666 rather than mkstemp so the result gets normal umask permissions
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            return tmp
        except FileExistsError:
            continue


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- finding inputs


def find_images(
    inputs: Sequence[str | os.PathLike], *, recursive: bool = False
) -> tuple[list[tuple[Path, Path]], int]:
    """Expand files, folders and glob patterns into ``([(image, relative_output_path), …], skipped)``.

    A file named explicitly is always returned, whatever its suffix, with its bare name as
    relative path. Folders contribute their images with paths relative to the folder (to
    mirror into an output folder); subfolders only when ``recursive``. A glob's matches are
    treated like folder contents, relative to the pattern's non-wildcard base; ``**`` spans
    folders only when ``recursive``. ``skipped`` counts what was passed over inside folders
    and globs: hidden (``.``) files and folders, files without an image suffix, and
    subfolders when not ``recursive``. The list is sorted by image path, without duplicates.
    Raises ``FileNotFoundError`` for a path that does not exist and is not a matching glob.
    """
    found: dict[Path, Path] = {}
    skipped = 0
    for entry in inputs:
        path = Path(entry)
        if path.is_dir():
            pairs, n = _scan_folder(path, recursive)
        elif path.exists():
            pairs, n = [(path, Path(path.name))], 0
        elif _has_magic(str(entry)):
            pairs, n = _expand_glob(str(entry), recursive)
        else:
            raise FileNotFoundError(f"{entry}: no such file or directory")
        skipped += n
        for image, relative in pairs:
            found.setdefault(image, relative)
    return sorted(found.items()), skipped


def _has_magic(text: str) -> bool:
    """Whether ``text`` contains glob wildcards."""
    return any(c in text for c in "*?[")


def _scan_folder(root: Path, recursive: bool) -> tuple[list[tuple[Path, Path]], int]:
    """Images below ``root`` as ``(path, path relative to root)`` plus the number skipped."""
    pairs: list[tuple[Path, Path]] = []
    skipped = 0
    for dirpath, dirnames, filenames in os.walk(root):
        keep = [d for d in dirnames if recursive and not d.startswith(".")]
        skipped += len(dirnames) - len(keep)
        dirnames[:] = keep  # os.walk descends only into what is left here
        folder = Path(dirpath)
        for filename in filenames:
            if filename.startswith(".") or Path(filename).suffix.lower() not in IMAGE_SUFFIXES:
                skipped += 1
            else:
                pairs.append((folder / filename, (folder / filename).relative_to(root)))
    return pairs, skipped


def _expand_glob(pattern: str, recursive: bool) -> tuple[list[tuple[Path, Path]], int]:
    """Matches of ``pattern`` (folders expanded) relative to its non-wildcard base, plus the number skipped."""
    matches = sorted(glob.glob(pattern, recursive=recursive))
    if not matches:
        raise FileNotFoundError(f"{pattern}: no files match this pattern")
    parts = Path(pattern).parts
    base = Path(*parts[: next(i for i, part in enumerate(parts) if _has_magic(part))] or ["."])
    pairs: list[tuple[Path, Path]] = []
    skipped = 0
    for match in map(Path, matches):
        relative = Path(os.path.relpath(match, base))
        if match.is_dir():
            inner, n = _scan_folder(match, recursive)
            pairs += [(image, relative / rel) for image, rel in inner]
            skipped += n
        elif match.suffix.lower() in IMAGE_SUFFIXES:
            pairs.append((match, relative))
        else:
            skipped += 1
    return pairs, skipped
