"""Reading and writing images: every format blurtrace accepts, upright, at its bit depth.

Pillow decodes everything except 16-bit PNG/TIFF, which Pillow can only give as 8-bit
RGB; those go through OpenCV. This module deliberately does not import torch.
"""
from __future__ import annotations

import contextlib
import functools
import io
import os
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np
import PIL.Image

from .files import (
    ImageReadError,
    ImageWriteError,
    _first_line,
    _os_reason,
    atomic_output,
)

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


def as_rgb_uint8(image, *, what: str = "image") -> np.ndarray:
    """``H×W×3`` uint8 RGB from uint8 or float [0, 1] pixels, for drawing and video frames.

    Grey ``H×W`` / ``H×W×1`` is repeated to three channels, alpha dropped; a torch tensor is
    taken as its values (without importing torch). ``what`` names the input in errors.
    """
    if hasattr(image, "detach"):
        image = image.detach().cpu().numpy()
    img = np.asarray(image)
    if img.ndim == 2:
        img = img[..., None]
    if img.ndim != 3 or img.shape[2] not in (1, 3, 4):
        raise ValueError(f"{what} must be H×W×3 (or H×W, H×W×4), got shape {img.shape}")
    if img.shape[2] == 1:
        img = np.repeat(img, 3, axis=2)
    img = img[..., :3]
    if np.issubdtype(img.dtype, np.floating):
        img = (np.clip(img, 0.0, 1.0) * 255.0).round().astype(np.uint8)
    elif img.dtype != np.uint8:
        raise ValueError(f"{what} must be uint8 or float in [0, 1], got dtype {img.dtype}")
    return np.ascontiguousarray(img)


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


# --------------------------------------------------------------------------- writing


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
            encode = _Encodable(colour=colour, alpha=alpha, icc=icc_profile, exif=exif)
            if bit_depth == 16:
                _write_cv2(tmp, fmt, encode)
            else:
                _write_pillow(tmp, fmt, encode, quality=quality)
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


@dataclass(frozen=True)
class _Encodable:
    """What an encoder writes: pixels at the file's bit depth (``colour`` ``(H, W)`` or
    ``(H, W, 3)``, ``alpha`` ``(H, W)`` or None) and the metadata already checked to fit them."""

    colour: np.ndarray
    alpha: np.ndarray | None
    icc: bytes | None
    exif: bytes | None


def _write_pillow(tmp: Path, fmt: str, image: _Encodable, *, quality: int) -> None:
    """Encode 8-bit pixels with Pillow into ``tmp``."""
    colour, alpha, icc, exif = image.colour, image.alpha, image.icc, image.exif
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


def _write_cv2(tmp: Path, fmt: str, image: _Encodable) -> None:
    """Encode 16-bit pixels with OpenCV into ``tmp``."""
    colour, alpha, icc, exif = image.colour, image.alpha, image.icc, image.exif
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
