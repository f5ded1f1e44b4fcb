"""Offsets files (``.npz``): the DESIGN §2 contract, written and read with every field checked.

This module does not import torch.
"""
from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass

import numpy as np

from .files import (
    ImageWriteError,
    OffsetsFileError,
    _first_line,
    _os_reason,
    atomic_output,
)

# Same values as blurtrace.ops.trajectory.CONSTRAINTS / blurtrace.ops.color.LIGHTS, repeated
# here so that reading a file does not pull in torch.
CONSTRAINTS: tuple[str, ...] = ("none", "linear", "bilinear", "quadratic")
LIGHTS: tuple[str, ...] = ("gamma", "linear")


@dataclass(frozen=True, eq=False, kw_only=True)
class OffsetsFile:
    """Contents of an offsets file (``.npz``); the field table is a public contract.

    ``offsets``: float32 ``(N, 2, H, W)``; ``offsets[n, 0]`` = Δx (columns, +right),
    ``offsets[n, 1]`` = Δy (rows, +down), in pixels: blurry pixel p gathers
    ``L(p + offsets[n, :, p])``. ``times``: float32 ``(N,)``, strictly ascending in [−1, 1].
    ``start``/``end``: float32 ``(2, H, W)``, offsets at t = −1 / +1 (constrained models),
    both or neither. ``constraint``: one of :data:`CONSTRAINTS`. ``light``: one of :data:`LIGHTS`.
    """

    offsets: np.ndarray
    times: np.ndarray
    constraint: str
    light: str
    start: np.ndarray | None = None
    end: np.ndarray | None = None


_OFFSET_ARRAYS = ("offsets", "times", "start", "end")
_OFFSET_STRINGS = ("constraint", "light")


def save_offsets(path: str | os.PathLike, of: OffsetsFile, *, extra: dict[str, np.ndarray] | None = None) -> None:
    """Write ``of`` atomically with ``np.savez_compressed``; strings as 0-d unicode arrays.

    ``extra`` arrays are stored beside the contract's keys (e.g. ``synth``'s ``valid`` mask);
    readers of the contract ignore them.

    Float arrays of another float dtype are stored as float32. Raises
    :class:`OffsetsFileError` if ``of`` breaks the contract, :class:`ImageWriteError` if the
    file cannot be written.
    """
    arrays = {
        key: np.asarray(value, dtype=np.float32)
        if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating)
        else value
        for key in _OFFSET_ARRAYS
        if (value := getattr(of, key)) is not None
    }
    checked = OffsetsFile(constraint=of.constraint, light=of.light, **arrays)
    problem = _offsets_problem(checked)
    if problem:
        raise OffsetsFileError(f"{path}: {problem}")
    strings = {key: np.array(getattr(of, key), dtype=np.str_) for key in _OFFSET_STRINGS}
    try:
        with atomic_output(path) as tmp:
            # a file object, because np.savez would append ".npz" to a path lacking it
            with open(tmp, "wb") as f:
                np.savez_compressed(f, **(extra or {}), **arrays, **strings)
    except OSError as e:
        raise ImageWriteError(f"{path}: {_os_reason(e)}") from e


def load_offsets(path: str | os.PathLike) -> OffsetsFile:
    """Read and validate an offsets file written by :func:`save_offsets` (``allow_pickle=False``).

    Raises :class:`OffsetsFileError` with a one-line reason for anything outside the contract.
    """
    name = str(path)
    try:
        archive = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise OffsetsFileError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise OffsetsFileError(f"{name}: is a directory, not an offsets file") from None
    except OSError as e:
        reason = _os_reason(e) if e.errno is not None else "not an offsets (.npz) file"
        raise OffsetsFileError(f"{name}: {reason}") from None
    except Exception:  # noqa: BLE001 - np.load raises ValueError/EOFError/… on junk
        raise OffsetsFileError(f"{name}: not an offsets (.npz) file") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise OffsetsFileError(f"{name}: not an offsets (.npz) file")
    try:
        with archive:
            fields = _read_offset_fields(archive)
    except OffsetsFileError as e:
        raise OffsetsFileError(f"{name}: {e}") from None
    except Exception as e:  # noqa: BLE001 - corrupt members: zipfile/zlib/ValueError/…
        reason = "corrupt archive" if isinstance(e, (zipfile.BadZipFile, EOFError, OSError)) else _first_line(e)
        raise OffsetsFileError(f"{name}: {reason}") from None
    of = OffsetsFile(**fields)
    problem = _offsets_problem(of)
    if problem:
        raise OffsetsFileError(f"{name}: {problem}")
    return of


def _read_offset_fields(archive: np.lib.npyio.NpzFile) -> dict:
    """Pull the contract's keys out of an open archive (no validation of values yet)."""
    fields: dict = {}
    for key in ("offsets", "times", *_OFFSET_STRINGS):
        if key not in archive.files:
            raise OffsetsFileError(f"missing key {key!r}")
    for key in _OFFSET_ARRAYS:
        if key in archive.files:
            fields[key] = archive[key]
    for key in _OFFSET_STRINGS:
        value = archive[key]
        if value.ndim != 0 or value.dtype.kind != "U":
            raise OffsetsFileError(f"{key!r} must be a string")
        fields[key] = str(value[()])
    return fields


def _offsets_problem(of: OffsetsFile) -> str | None:
    """What breaks the offsets-file contract in ``of``, or ``None``."""
    offsets, times = of.offsets, of.times
    if not _is_f32(offsets) or offsets.ndim != 4 or offsets.shape[1] != 2 or 0 in offsets.shape:
        return f"'offsets' must be float32 of shape (N, 2, H, W), not {_describe(offsets)}"
    n, _, h, w = offsets.shape
    if not _is_f32(times) or times.shape != (n,):
        return f"'times' must be float32 of shape ({n},), not {_describe(times)}"
    if not np.isfinite(offsets).all():
        return "'offsets' contains NaN or infinity"
    if not (np.isfinite(times).all() and times.min() >= -1 and times.max() <= 1):
        return "'times' must lie in [-1, 1]"
    if not (np.diff(times) > 0).all():
        return "'times' must be strictly ascending"
    if of.constraint not in CONSTRAINTS:
        return f"unknown constraint {of.constraint!r} (expected one of {', '.join(CONSTRAINTS)})"
    if of.light not in LIGHTS:
        return f"unknown light {of.light!r} (expected one of {', '.join(LIGHTS)})"
    if (of.start is None) != (of.end is None):
        return "'start' and 'end' must be given together"
    for key in ("start", "end"):
        value = getattr(of, key)
        if value is None:
            continue
        if not _is_f32(value) or value.shape != (2, h, w):
            return f"{key!r} must be float32 of shape (2, {h}, {w}), not {_describe(value)}"
        if not np.isfinite(value).all():
            return f"{key!r} contains NaN or infinity"
    return None


def _is_f32(value: object) -> bool:
    return isinstance(value, np.ndarray) and value.dtype == np.float32


def _describe(value: object) -> str:
    if isinstance(value, np.ndarray):
        return f"{value.dtype} {tuple(value.shape)}"
    return type(value).__name__
