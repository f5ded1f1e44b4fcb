"""Reading and writing images and offsets files, for every blurtrace command.

Errors a user can cause (a bad path, a broken or unsupported file, a full disk) are raised
as :class:`ImageReadError`, :class:`ImageWriteError` or :class:`OffsetsFileError`, each with
a one-line message that starts with the file name, e.g. ``photo.jpg: truncated JPEG data``,
so the command line can print it as is.

Pillow decodes everything except 16-bit PNG/TIFF, which Pillow can only give as 8-bit
RGB; those go through OpenCV. This module deliberately does not import torch.
"""
from __future__ import annotations

import contextlib
import functools
import glob
import io
import os
import secrets
import stat
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import cv2
import numpy as np
import PIL.Image

__all__ = [
    "IMAGE_SUFFIXES",
    "CONSTRAINTS",
    "LIGHTS",
    "Image",
    "ImageReadError",
    "ImageWriteError",
    "OffsetsFile",
    "OffsetsFileError",
    "atomic_output",
    "find_images",
    "from_float",
    "load_offsets",
    "read_image",
    "save_offsets",
    "to_float",
    "write_image",
]

IMAGE_SUFFIXES: frozenset[str] = frozenset({".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".bmp"})

# Same values as blurtrace.ops.trajectory.CONSTRAINTS / blurtrace.ops.color.LIGHTS, repeated
# here so that reading a file does not pull in torch.
CONSTRAINTS: tuple[str, ...] = ("none", "linear", "bilinear", "quadratic")
LIGHTS: tuple[str, ...] = ("gamma", "linear")

_ORIENTATION_TAG = 0x0112
_EXIF_PREFIX = b"Exif\x00\x00"

_WRITE_FORMATS = {
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".webp": "WEBP",
    ".bmp": "BMP",
}
_16BIT_FORMATS = frozenset({"PNG", "TIFF"})
_ALPHA_FORMATS = frozenset({"PNG", "TIFF", "WEBP"})
_GREY_MODES = frozenset({"1", "L", "LA", "I;16", "I;16B", "I;16L", "I;16N"})
_ALPHA_MODES = frozenset({"LA", "PA", "RGBA"})


class ImageReadError(ValueError):
    """An input image is missing, unreadable, corrupt, unsupported or too large."""


class ImageWriteError(OSError):
    """An output file (image, offsets, …) could not be written."""


class OffsetsFileError(ValueError):
    """An offsets file is unreadable or breaks the offsets-file contract."""


# --------------------------------------------------------------------------- images


@dataclass(frozen=True, eq=False)
class Image:
    """A decoded image, upright (EXIF orientation applied).

    ``pixels``: ``(H, W, 3)`` RGB, ``uint8`` or ``uint16`` (matching ``bit_depth``);
    greyscale sources are repeated to 3 channels and flagged by ``grey``.
    ``alpha``: ``(H, W)`` with the dtype of ``pixels``, or ``None``.
    ``exif``: the source EXIF (starting with ``b"Exif\\0\\0"``, as Pillow's ``save(exif=)``
    takes it) with its orientation set to 1, since the pixels are already upright.
    ``icc_profile``: the source ICC profile, ``None`` for CMYK sources (the pixels no longer
    are CMYK). ``source``: the path the image was read from.
    """

    pixels: np.ndarray
    alpha: np.ndarray | None
    bit_depth: int
    grey: bool
    icc_profile: bytes | None
    exif: bytes | None
    source: str

    @property
    def height(self) -> int:
        return self.pixels.shape[0]

    @property
    def width(self) -> int:
        return self.pixels.shape[1]

    def to_float(self) -> np.ndarray:
        """``pixels`` as float32 ``(H, W, 3)`` in [0, 1]."""
        return to_float(self)


def to_float(image: Image | np.ndarray) -> np.ndarray:
    """An :class:`Image`'s pixels (or any ``uint8``/``uint16`` array) as float32 in [0, 1], same shape."""
    array = image.pixels if isinstance(image, Image) else np.asarray(image)
    if array.dtype == np.uint8:
        return array.astype(np.float32) / np.float32(255)
    if array.dtype == np.uint16:
        return array.astype(np.float32) / np.float32(65535)
    raise ValueError(f"to_float needs uint8 or uint16 values, not {array.dtype}")


def from_float(array: np.ndarray, bit_depth: int) -> np.ndarray:
    """Float values in [0, 1] (any shape) to ``uint8`` (bit_depth 8) or ``uint16`` (16), rounded and clipped.

    NaN becomes 0 so that one bad pixel cannot abort writing a whole result.
    """
    if bit_depth not in (8, 16):
        raise ValueError(f"bit_depth must be 8 or 16, not {bit_depth!r}")
    top, dtype = (255, np.uint8) if bit_depth == 8 else (65535, np.uint16)
    scaled = np.nan_to_num(np.asarray(array, dtype=np.float32), nan=0.0) * np.float32(top)
    return np.clip(np.rint(scaled), 0, top).astype(dtype)


def read_image(path: str | os.PathLike, *, max_pixels: int = 200_000_000) -> Image:
    """Decode a JPEG/PNG/TIFF/WebP/BMP (or anything else Pillow reads) into an upright :class:`Image`.

    Images with more than ``max_pixels`` pixels are rejected from their header, before any
    pixel data is decoded. Raises :class:`ImageReadError` with a one-line reason.
    """
    name = str(path)
    path = Path(path)
    _check_input_file(path, name)
    _allow_pillow_pixels(max_pixels)
    fmt = "image"
    try:
        with warnings.catch_warnings():
            # Pillow only warns above its own limit; here that always means "too large".
            warnings.simplefilter("error", PIL.Image.DecompressionBombWarning)
            # Complaints about damaged metadata ("Corrupt EXIF data") would only clutter the CLI.
            warnings.simplefilter("ignore", UserWarning)
            with PIL.Image.open(path) as im:
                fmt = im.format or "image"
                _check_size(im.size, max_pixels, name)
                if _is_16bit(im) and im.format in _16BIT_FORMATS:
                    pixels, alpha, grey = _decode_cv2(path, im, name)
                else:
                    pixels, alpha, grey = _decode_pillow(im, name)
                icc = None if im.mode == "CMYK" else (im.info.get("icc_profile") or None)
                exif = _exif_bytes(im)
    except ImageReadError:
        raise
    except (PIL.Image.DecompressionBombError, PIL.Image.DecompressionBombWarning) as e:
        raise ImageReadError(f"{name}: image too large (more than {max_pixels:,} pixels)") from e
    except PIL.UnidentifiedImageError as e:
        raise ImageReadError(f"{name}: not an image file, or an unsupported format") from e
    except MemoryError as e:
        raise ImageReadError(f"{name}: not enough memory to decode this {fmt}") from e
    except OSError as e:
        if e.errno is not None:  # the file system, not the decoder, failed
            raise ImageReadError(f"{name}: {_os_reason(e)}") from e
        raise ImageReadError(f"{name}: {_decode_reason(e, fmt)}") from e
    except Exception as e:  # noqa: BLE001 - decoders raise all sorts on corrupt data
        raise ImageReadError(f"{name}: {_decode_reason(e, fmt)}") from e

    return Image(
        pixels=pixels,
        alpha=alpha,
        bit_depth=16 if pixels.dtype == np.uint16 else 8,
        grey=grey,
        icc_profile=icc,
        exif=exif,
        source=name,
    )


def _check_input_file(path: Path, name: str) -> None:
    """Reject paths that cannot hold an image, with a clearer reason than the decoder would give."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise ImageReadError(f"{name}: no such file") from None
    except OSError as e:
        raise ImageReadError(f"{name}: {_os_reason(e)}") from None
    if stat.S_ISDIR(st.st_mode):
        raise ImageReadError(f"{name}: is a directory, not an image file")
    if stat.S_ISREG(st.st_mode) and st.st_size == 0:
        raise ImageReadError(f"{name}: empty file (0 bytes)")


def _allow_pillow_pixels(max_pixels: int) -> None:
    """Raise Pillow's process-wide decompression-bomb limit to at least ``max_pixels``.

    Pillow's default (≈89 MP warning, ≈179 MP error) would refuse the 200 MP photos that
    phones now take; our own per-call check against ``max_pixels`` takes its place. The limit
    is only ever raised, so concurrent calls cannot undo each other.
    """
    limit = PIL.Image.MAX_IMAGE_PIXELS
    if limit is not None and limit < max_pixels:
        PIL.Image.MAX_IMAGE_PIXELS = max_pixels


def _check_size(size: tuple[int, int], max_pixels: int, name: str) -> None:
    """Reject empty and oversized images from the header size ``(W, H)``."""
    width, height = size
    if width <= 0 or height <= 0:
        raise ImageReadError(f"{name}: image has zero size ({width}x{height})")
    if width * height > max_pixels:
        raise ImageReadError(
            f"{name}: image too large ({width}x{height} = {width * height:,} pixels,"
            f" limit {max_pixels:,})"
        )


def _is_16bit(im: PIL.Image.Image) -> bool:
    """Whether the file stores 16 bits per sample (Pillow opens 16-bit RGB as 8-bit ``RGB``)."""
    if im.mode.startswith("I;16"):
        return True
    for tile in im.tile:
        rawmode = tile.args[0] if isinstance(tile.args, tuple) and tile.args else tile.args
        if isinstance(rawmode, str) and ";16" in rawmode:
            return True
    return False


def _decode_pillow(im: PIL.Image.Image, name: str) -> tuple[np.ndarray, np.ndarray | None, bool]:
    """Decode with Pillow into upright ``(pixels (H, W, 3), alpha (H, W) | None, grey)``."""
    if im.mode in ("I", "F"):
        raise ImageReadError(f"{name}: unsupported pixel format (32-bit {'float' if im.mode == 'F' else 'integer'})")
    im.load()  # decode now so truncation raises here, not later
    # Read after load(): recent Pillow turns TIFFs upright while loading and drops the tag.
    orientation = _orientation_of(im)
    grey = im.mode in _GREY_MODES
    alpha = None
    if im.mode.startswith("I;16"):  # 16-bit grey from formats OpenCV is not used for
        colour = np.asarray(im).astype(np.uint16)
    else:
        has_alpha = im.mode in _ALPHA_MODES or "transparency" in im.info
        target = ("LA" if has_alpha else "L") if grey else ("RGBA" if has_alpha else "RGB")
        array = np.asarray(im if im.mode == target else im.convert(target))
        colour = array[..., :-1] if has_alpha else array
        alpha = array[..., -1] if has_alpha else None
    return (*_finish(colour, alpha, orientation), grey)


def _decode_cv2(path: Path, im: PIL.Image.Image, name: str) -> tuple[np.ndarray, np.ndarray | None, bool]:
    """Decode a 16-bit PNG/TIFF with OpenCV into upright ``(pixels (H, W, 3), alpha (H, W) | None, grey)``."""
    if im.format == "PNG":
        # OpenCV allocates whatever a chunk header claims (GBs for a damaged 1 kB file);
        # Pillow's verify() checks chunk lengths and CRCs first, without decoding.
        with PIL.Image.open(path) as check:
            check.verify()
    with _quiet_cv2():
        array = cv2.imdecode(np.fromfile(path, dtype=np.uint8), cv2.IMREAD_UNCHANGED)
    if array is None:
        raise ImageReadError(f"{name}: truncated or corrupt {im.format} data")
    # Compared as a set: Pillow reports TIFF sizes sometimes stored, sometimes upright.
    if sorted(array.shape[:2]) != sorted(im.size) or array.dtype not in (np.uint8, np.uint16):
        raise ImageReadError(f"{name}: corrupt or unsupported {im.format} data")
    orientation = 1 if im.format == "TIFF" and _cv2_orients_tiff() else _orientation_of(im)
    grey = im.mode in _GREY_MODES or array.ndim == 2 or array.shape[2] == 1
    if array.ndim == 2:
        array = array[..., None]
    alpha = array[..., 3] if array.shape[2] == 4 else None
    colour = array[..., 0] if grey else array[..., 2::-1]  # OpenCV gives BGR(A)
    return (*_finish(colour, alpha, orientation), grey)


def _finish(
    colour: np.ndarray, alpha: np.ndarray | None, orientation: int
) -> tuple[np.ndarray, np.ndarray | None]:
    """Upright, contiguous ``(pixels (H, W, 3), alpha (H, W) | None)`` from stored grey ``(H, W[, 1])`` or RGB."""
    if colour.ndim == 2 or colour.shape[2] == 1:
        colour = np.repeat(colour.reshape(colour.shape[:2])[..., None], 3, axis=2)
    return _orient(colour, orientation), None if alpha is None else _orient(alpha, orientation)


@contextlib.contextmanager
def _quiet_cv2() -> Iterator[None]:
    """Silence OpenCV's stderr logging (libpng/libtiff complaints); we report errors ourselves."""
    logging = cv2.utils.logging
    old = logging.getLogLevel()
    logging.setLogLevel(logging.LOG_LEVEL_SILENT)
    try:
        yield
    finally:
        logging.setLogLevel(old)


@functools.cache
def _cv2_orients_tiff() -> bool:
    """Whether ``cv2.imdecode`` applies a TIFF's Orientation tag itself (OpenCV 5 does, even with IMREAD_UNCHANGED)."""
    probe = io.BytesIO()
    PIL.Image.fromarray(np.array([[0, 1]], dtype=np.uint16)).save(probe, "TIFF", tiffinfo={_ORIENTATION_TAG: 2})
    with _quiet_cv2():
        out = cv2.imdecode(np.frombuffer(probe.getvalue(), np.uint8), cv2.IMREAD_UNCHANGED)
    return out is not None and int(out.reshape(-1)[0]) == 1


def _orientation_of(im: PIL.Image.Image) -> int:
    """The EXIF/TIFF/XMP orientation (1–8) of ``im``; 1 if absent, invalid or unreadable."""
    try:
        value = im.getexif().get(_ORIENTATION_TAG, 1)
    except Exception:  # noqa: BLE001 - broken metadata should not make the photo unreadable
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _exif_bytes(im: PIL.Image.Image) -> bytes | None:
    """The file's EXIF block (``b"Exif\\0\\0…"``) with orientation 1, or ``None``.

    TIFF tags are not an EXIF block worth copying into other formats, so TIFFs give ``None``.
    """
    raw = im.info.get("exif")
    if not raw:
        return None
    if not raw.startswith(_EXIF_PREFIX):
        raw = _EXIF_PREFIX + raw  # WebP stores it bare
    try:
        exif = im.getexif()
        if exif.get(_ORIENTATION_TAG, 1) == 1:
            return raw  # untouched, so maker notes with absolute offsets survive
        exif[_ORIENTATION_TAG] = 1
        return exif.tobytes()
    except Exception:  # noqa: BLE001 - broken metadata should not make the photo unreadable
        return None


# Index ops taking a stored array to its upright view, per EXIF orientation (axes 0, 1 = rows, cols).
_ORIENT_OPS = {
    1: lambda a: a,
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: a.swapaxes(0, 1),
    6: lambda a: np.rot90(a, -1),
    7: lambda a: a[::-1, ::-1].swapaxes(0, 1),
    8: lambda a: np.rot90(a, 1),
}


def _orient(array: np.ndarray, orientation: int) -> np.ndarray:
    """Turn a stored ``(H, W, …)`` array upright for EXIF ``orientation``; contiguous result."""
    return np.ascontiguousarray(_ORIENT_OPS[orientation](array))


def _decode_reason(error: BaseException, fmt: str) -> str:
    """One-line reason for a decoder failure."""
    text = _first_line(error)
    if "truncated" in text.lower():
        return f"truncated {fmt} data"
    return f"corrupt {fmt} data ({text})"


def _first_line(error: BaseException) -> str:
    """The first line of an exception's message, or its type name if it has none."""
    lines = str(error).strip().splitlines()
    return lines[0].strip() if lines else type(error).__name__


def _os_reason(error: OSError) -> str:
    """``no space left on device`` style reason: strerror, lower-cased, without the path."""
    if error.strerror:
        return error.strerror[0].lower() + error.strerror[1:]
    return _first_line(error)


# --------------------------------------------------------------------------- writing


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


def write_image(
    path: str | os.PathLike,
    pixels: np.ndarray,
    *,
    bit_depth: int | None = None,
    alpha: np.ndarray | None = None,
    icc_profile: bytes | None = None,
    exif: bytes | None = None,
    quality: int = 95,
) -> None:
    """Write an image atomically; the format comes from the suffix of ``path``.

    ``pixels``: ``(H, W, 3)`` RGB (also ``(H, W)``/``(H, W, 1)`` grey, or 2/4 channels with alpha
    last), float in [0, 1] or ``uint8``/``uint16``. ``alpha``: ``(H, W)``, same value conventions.
    ``bit_depth``: 8 or 16; by default 16 for ``uint16`` input, else 8. 16 bits are written for
    PNG and TIFF only; JPEG/WebP/BMP are always 8-bit. Alpha is dropped for JPEG/BMP. The ICC
    profile is kept unless its colour space (RGB/grey) does not match the written pixels, and
    ICC/EXIF are dropped for 16-bit TIFF (OpenCV cannot store them there).

    Raises :class:`ImageWriteError` (one-line reason) for an unknown suffix or any OS failure;
    ``ValueError`` for arrays of the wrong shape/dtype (a programming error).
    """
    fmt = _WRITE_FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(_WRITE_FORMATS))
        raise ImageWriteError(f"{path}: unsupported output format {Path(path).suffix!r} (use one of {known})")
    if bit_depth not in (None, 8, 16):
        raise ValueError(f"bit_depth must be 8 or 16, not {bit_depth!r}")
    colour, alpha = _split_alpha(np.asarray(pixels), alpha)
    if bit_depth is None:
        bit_depth = 16 if colour.dtype == np.uint16 else 8
    if fmt not in _16BIT_FORMATS:
        bit_depth = 8
    colour = to_bit_depth(colour, bit_depth)
    alpha = to_bit_depth(alpha, bit_depth) if alpha is not None and fmt in _ALPHA_FORMATS else None
    if icc_profile and not _icc_matches(icc_profile, grey=colour.ndim == 2):
        icc_profile = None
    try:
        with atomic_output(path) as tmp:
            if bit_depth == 16:
                _write_cv2(tmp, fmt, colour, alpha, icc_profile, exif)
            else:
                _write_pillow(tmp, fmt, colour, alpha, icc_profile, exif, quality)
    except OSError as e:
        raise ImageWriteError(f"{path}: {_os_reason(e)}") from e


def _split_alpha(pixels: np.ndarray, alpha: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    """Split ``pixels`` into colour (``(H, W)`` grey or ``(H, W, 3)``) and alpha ``(H, W)`` | None."""
    if pixels.ndim == 2:
        pixels = pixels[..., None]
    if pixels.ndim != 3 or pixels.shape[2] not in (1, 2, 3, 4) or 0 in pixels.shape:
        raise ValueError(f"pixels must be (H, W), or (H, W, C) with C in 1..4 and H, W > 0, not {pixels.shape}")
    channels = pixels.shape[2]
    colour = pixels[..., 0] if channels in (1, 2) else pixels[..., :3]
    if channels in (2, 4):
        if alpha is not None:
            raise ValueError("pixels already has an alpha channel; do not pass alpha as well")
        alpha = pixels[..., -1]
    if alpha is not None:
        alpha = np.asarray(alpha)
        if alpha.shape != pixels.shape[:2]:
            raise ValueError(f"alpha must have shape {pixels.shape[:2]}, not {alpha.shape}")
    return colour, alpha


def to_bit_depth(array: np.ndarray, bit_depth: int) -> np.ndarray:
    """Float [0, 1], ``uint8`` or ``uint16`` values → ``uint8``/``uint16`` for ``bit_depth``, rescaled and rounded.

    The one place pixel values change bit depth (writing images, loading 16-bit training pairs).
    """
    if np.issubdtype(array.dtype, np.floating):
        return from_float(array, bit_depth)
    if array.dtype == np.uint8:
        return array if bit_depth == 8 else array.astype(np.uint16) * np.uint16(257)
    if array.dtype == np.uint16:
        # (x + 128) // 257 is round(x / 257) in integers
        return array if bit_depth == 16 else ((array.astype(np.uint32) + 128) // 257).astype(np.uint8)
    raise ValueError(f"pixel values must be float, uint8 or uint16, not {array.dtype}")


def _icc_matches(icc: bytes, *, grey: bool) -> bool:
    """Whether an ICC profile's data colour space (header bytes 16–19) fits grey/RGB pixels.

    A CMYK or grey profile attached to RGB pixels makes colour-managed viewers show garbage
    or refuse the file.
    """
    return icc[16:20] == (b"GRAY" if grey else b"RGB ")


def _write_pillow(
    tmp: Path,
    fmt: str,
    colour: np.ndarray,
    alpha: np.ndarray | None,
    icc: bytes | None,
    exif: bytes | None,
    quality: int,
) -> None:
    """Encode 8-bit ``colour`` (+ ``alpha``) with Pillow into ``tmp``."""
    if colour.ndim == 2:
        colour = colour[..., None]
    array = colour if alpha is None else np.concatenate([colour, alpha[..., None]], axis=2)
    im = PIL.Image.fromarray(np.ascontiguousarray(array[..., 0] if array.shape[2] == 1 else array))
    params: dict = {}
    if fmt in ("JPEG", "WEBP"):
        params["quality"] = quality
    if fmt == "TIFF":
        params["compression"] = "tiff_lzw"  # as OpenCV does for 16-bit TIFF
    if fmt != "BMP":
        if icc:
            params["icc_profile"] = icc
        if exif:
            params["exif"] = exif
    with open(tmp, "wb") as f:
        im.save(f, format=fmt, **params)


def _write_cv2(
    tmp: Path,
    fmt: str,
    colour: np.ndarray,
    alpha: np.ndarray | None,
    icc: bytes | None,
    exif: bytes | None,
) -> None:
    """Encode 16-bit ``colour`` (+ ``alpha``) with OpenCV into ``tmp``."""
    if alpha is not None and colour.ndim == 2:
        colour = np.repeat(colour[..., None], 3, axis=2)  # OpenCV cannot write grey+alpha
    bgr = colour if colour.ndim == 2 else colour[..., ::-1]
    if alpha is not None:
        bgr = np.concatenate([bgr, alpha[..., None]], axis=2)
    ext = ".png" if fmt == "PNG" else ".tiff"
    kinds, blobs = [], []
    if fmt == "PNG":  # OpenCV stores metadata in PNG, not in TIFF
        if icc:
            kinds.append(cv2.IMAGE_METADATA_ICCP)
            blobs.append(np.frombuffer(icc, np.uint8))
        if exif:
            kinds.append(cv2.IMAGE_METADATA_EXIF)
            blobs.append(np.frombuffer(exif.removeprefix(_EXIF_PREFIX), np.uint8))
    try:
        with _quiet_cv2():
            if kinds and hasattr(cv2, "imencodeWithMetadata"):  # OpenCV >= 4.12
                ok, buf = cv2.imencodeWithMetadata(ext, np.ascontiguousarray(bgr), kinds, blobs)
            else:
                ok, buf = cv2.imencode(ext, np.ascontiguousarray(bgr))
    except cv2.error as e:
        raise OSError(f"OpenCV could not encode 16-bit {fmt}") from e
    if not ok:
        raise OSError(f"OpenCV could not encode 16-bit {fmt}")
    with open(tmp, "wb") as f:
        f.write(buf)


# --------------------------------------------------------------------------- offsets files


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
