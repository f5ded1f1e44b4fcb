"""Tests for blurtrace.io: image decoding/encoding, atomic writes, offsets files, input discovery.

All images are generated in tmp_path; nothing is downloaded.
"""
from __future__ import annotations

import errno
import io as pyio
import os
import struct
from pathlib import Path

import cv2
import numpy as np
import PIL.Image
import PIL.ImageFile
import PIL.ImageOps
import pytest
from conftest import png_header_only
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import ImageCms

from blurtrace.io import (
    IMAGE_SUFFIXES,
    ImageReadError,
    ImageWriteError,
    OffsetsFile,
    OffsetsFileError,
    atomic_output,
    find_images,
    from_float,
    load_offsets,
    read_image,
    save_offsets,
    to_float,
    write_image,
)
from blurtrace.io import images as bio

RNG = np.random.default_rng(1234)


def noise(h: int = 6, w: int = 9, channels: int = 3, dtype=np.uint8) -> np.ndarray:
    top = np.iinfo(dtype).max
    shape = (h, w) if channels == 0 else (h, w, channels)
    return RNG.integers(0, top, shape, dtype=dtype, endpoint=True)


def smooth(h: int = 32, w: int = 48) -> np.ndarray:
    """A gradient that lossy codecs keep within a few levels. uint8 (h, w, 3)."""
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([x * 255 // (w - 1), y * 255 // (h - 1), (x + y) * 255 // (h + w - 2)], -1).astype(np.uint8)


def blocks(h: int = 32, w: int = 48) -> np.ndarray:
    """Asymmetric 8x8 blocks of distinct flat colours (orientation survives JPEG). uint8 (h, w, 3)."""
    cells = RNG.integers(0, 256, (h // 8, w // 8, 3), dtype=np.uint8)
    return np.kron(cells, np.ones((8, 8, 1), np.uint8))


def pil_save(path: Path, array_or_image, **params) -> Path:
    im = array_or_image if isinstance(array_or_image, PIL.Image.Image) else PIL.Image.fromarray(array_or_image)
    im.save(path, **params)
    return path




def assert_one_line_naming(error: pytest.ExceptionInfo, path: Path | str) -> None:
    message = str(error.value)
    assert "\n" not in message
    assert str(path) in message
    assert message.startswith(str(path) + ": ")


def listing(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("suffix", [".png", ".tif", ".tiff", ".bmp"])
def test_lossless_8bit_round_trip(tmp_path, suffix):
    pixels = noise()
    write_image(tmp_path / f"x{suffix}", pixels)
    image = read_image(tmp_path / f"x{suffix}")
    assert image.pixels.dtype == np.uint8 and image.bit_depth == 8
    assert image.pixels.shape == pixels.shape
    np.testing.assert_array_equal(image.pixels, pixels)
    assert image.alpha is None and not image.grey
    assert image.source == str(tmp_path / f"x{suffix}")


@pytest.mark.parametrize("suffix", [".jpg", ".jpeg", ".webp", ".JPG"])
def test_lossy_round_trip(tmp_path, suffix):
    pixels = smooth()
    write_image(tmp_path / f"x{suffix}", pixels)
    image = read_image(tmp_path / f"x{suffix}")
    assert image.pixels.shape == pixels.shape and image.bit_depth == 8
    assert np.abs(image.pixels.astype(int) - pixels).mean() < 3


@pytest.mark.parametrize("suffix", [".png", ".tif"])
@pytest.mark.parametrize("with_alpha", [False, True])
def test_16bit_round_trip_is_bit_exact(tmp_path, suffix, with_alpha):
    pixels = noise(dtype=np.uint16)
    alpha = noise(channels=0, dtype=np.uint16) if with_alpha else None
    write_image(tmp_path / f"x{suffix}", pixels, alpha=alpha)
    image = read_image(tmp_path / f"x{suffix}")
    assert image.pixels.dtype == np.uint16 and image.bit_depth == 16 and not image.grey
    np.testing.assert_array_equal(image.pixels, pixels)
    if with_alpha:
        assert image.alpha.dtype == np.uint16
        np.testing.assert_array_equal(image.alpha, alpha)
    else:
        assert image.alpha is None


def test_16bit_channel_order_is_rgb(tmp_path):
    pixels = np.zeros((2, 2, 3), np.uint16)
    pixels[..., 0] = 60000  # pure red
    write_image(tmp_path / "red.png", pixels)
    decoded = PIL.Image.open(tmp_path / "red.png").convert("RGB")
    assert decoded.getpixel((0, 0)) == (60000 >> 8, 0, 0)  # Pillow keeps the high byte
    np.testing.assert_array_equal(read_image(tmp_path / "red.png").pixels, pixels)


def test_16bit_grey_round_trip(tmp_path):
    grey = noise(channels=0, dtype=np.uint16)
    for suffix in (".png", ".tif"):
        write_image(tmp_path / f"g{suffix}", grey)
        image = read_image(tmp_path / f"g{suffix}")
        assert image.grey and image.bit_depth == 16
        np.testing.assert_array_equal(image.pixels, np.repeat(grey[..., None], 3, 2))


def test_bit_depth_choice(tmp_path):
    floats = smooth().astype(np.float32) / 255
    write_image(tmp_path / "f.png", floats)
    assert read_image(tmp_path / "f.png").bit_depth == 8
    write_image(tmp_path / "f16.png", floats, bit_depth=16)
    image = read_image(tmp_path / "f16.png")
    assert image.bit_depth == 16
    np.testing.assert_array_equal(image.pixels, from_float(floats, 16))
    # JPEG/WebP/BMP are silently 8-bit
    for suffix in (".jpg", ".webp", ".bmp"):
        write_image(tmp_path / f"x{suffix}", noise(dtype=np.uint16), bit_depth=16)
        assert read_image(tmp_path / f"x{suffix}").bit_depth == 8
    # uint16 written as 8-bit rounds x / 257; uint8 written as 16-bit is x * 257
    values = np.array([[[0, 128, 129], [65535, 257, 385]]], np.uint16)
    write_image(tmp_path / "down.png", values, bit_depth=8)
    np.testing.assert_array_equal(read_image(tmp_path / "down.png").pixels, [[[0, 0, 1], [255, 1, 1]]])
    write_image(tmp_path / "up.png", np.array([[[0, 1, 255]]], np.uint8), bit_depth=16)
    np.testing.assert_array_equal(read_image(tmp_path / "up.png").pixels, [[[0, 257, 65535]]])


@pytest.mark.parametrize(
    ("suffix", "keeps_alpha"),
    [(".png", True), (".tif", True), (".webp", True), (".jpg", False), (".bmp", False)],
)
def test_alpha_kept_where_format_allows(tmp_path, suffix, keeps_alpha):
    pixels, alpha = smooth(), smooth()[..., 0]
    write_image(tmp_path / f"a{suffix}", pixels, alpha=alpha)
    image = read_image(tmp_path / f"a{suffix}")
    assert (image.alpha is not None) == keeps_alpha
    if keeps_alpha:
        assert image.alpha.shape == alpha.shape and image.alpha.dtype == np.uint8
        assert np.abs(image.alpha.astype(int) - alpha).max() <= (3 if suffix == ".webp" else 0)
    # alpha passed as a fourth channel is the same thing
    write_image(tmp_path / f"b{suffix}", np.dstack([pixels, alpha]))
    assert (read_image(tmp_path / f"b{suffix}").alpha is not None) == keeps_alpha


def test_icc_and_exif_are_kept(tmp_path):
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    exif = PIL.Image.Exif()
    exif[0x010F] = "TestCam"
    exif_bytes = exif.tobytes()
    for suffix, bit_depth in [(".jpg", 8), (".png", 8), (".webp", 8), (".tif", 8), (".png", 16)]:
        out = tmp_path / f"m{bit_depth}{suffix}"
        write_image(out, smooth(), bit_depth=bit_depth, icc_profile=icc, exif=exif_bytes)
        image = read_image(out)
        assert image.bit_depth == bit_depth
        assert image.icc_profile == icc, suffix
        if suffix != ".tif":  # TIFF tags are not an EXIF block
            assert PIL.Image.open(out).getexif()[0x010F] == "TestCam"
            assert image.exif is not None and image.exif.startswith(b"Exif\x00\x00")
    # OpenCV cannot put metadata into a 16-bit TIFF: documented loss
    write_image(tmp_path / "m16.tif", smooth(), bit_depth=16, icc_profile=icc, exif=exif_bytes)
    assert read_image(tmp_path / "m16.tif").icc_profile is None


def test_mismatched_icc_profile_is_dropped(tmp_path):
    lab_icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()  # not an RGB profile
    write_image(tmp_path / "x.png", smooth(), icc_profile=lab_icc)
    assert read_image(tmp_path / "x.png").icc_profile is None


def test_unsupported_suffix(tmp_path):
    with pytest.raises(ImageWriteError) as error:
        write_image(tmp_path / "x.gif", smooth())
    assert_one_line_naming(error, tmp_path / "x.gif")
    assert not list(tmp_path.iterdir())


def test_bad_arrays_are_value_errors(tmp_path):
    with pytest.raises(ValueError):
        write_image(tmp_path / "x.png", np.zeros((4, 4, 5), np.uint8))
    with pytest.raises(ValueError):
        write_image(tmp_path / "x.png", np.zeros((4, 4, 3), np.int32))
    with pytest.raises(ValueError):
        write_image(tmp_path / "x.png", np.zeros((4, 4, 3), np.uint8), alpha=np.zeros((3, 4), np.uint8))
    with pytest.raises(ValueError):
        write_image(tmp_path / "x.png", np.zeros((0, 4, 3), np.uint8))
    with pytest.raises(ValueError):
        write_image(tmp_path / "x.png", np.zeros((4, 4, 3), np.uint8), bit_depth=12)
    assert not list(tmp_path.iterdir())


def test_float_conversions():
    assert to_float(np.array([0, 255], np.uint8)).tolist() == [0.0, 1.0]
    assert to_float(np.array([0, 65535], np.uint16)).dtype == np.float32
    values = np.array([-0.5, 0.0, 0.5, 1.0, 2.0, np.nan], np.float32)
    assert from_float(values, 8).tolist() == [0, 0, 128, 255, 255, 0]
    assert from_float(values, 16).tolist() == [0, 0, 32768, 65535, 65535, 0]
    pixels = noise(dtype=np.uint16)
    np.testing.assert_array_equal(from_float(to_float(pixels), 16), pixels)
    image = bio.Image(pixels=pixels, alpha=None, bit_depth=16, grey=False, icc_profile=None, exif=None, source="x")
    assert image.to_float().shape == pixels.shape and image.to_float().dtype == np.float32
    assert (image.height, image.width) == pixels.shape[:2]
    with pytest.raises(ValueError):
        to_float(np.zeros(3, np.float32))


# --------------------------------------------------------------------------- input modes


def test_greyscale_inputs(tmp_path):
    grey = noise(channels=0)
    image = read_image(pil_save(tmp_path / "l.png", grey))
    assert image.grey and image.pixels.shape == (*grey.shape, 3)
    np.testing.assert_array_equal(image.pixels[..., 1], grey)
    bits = PIL.Image.fromarray(grey > 128)  # mode "1"
    image = read_image(pil_save(tmp_path / "bits.png", bits))
    assert image.grey and image.bit_depth == 8
    np.testing.assert_array_equal(image.pixels[..., 0], np.where(grey > 128, 255, 0))
    grey16 = noise(channels=0, dtype=np.uint16)
    image = read_image(pil_save(tmp_path / "i16.png", grey16))  # Pillow writes mode I;16
    assert image.grey and image.bit_depth == 16
    np.testing.assert_array_equal(image.pixels[..., 2], grey16)


def test_palette_inputs(tmp_path):
    rgb = smooth()
    palette = PIL.Image.fromarray(rgb).quantize(16)
    image = read_image(pil_save(tmp_path / "p.png", palette))
    assert not image.grey and image.alpha is None
    np.testing.assert_array_equal(image.pixels, np.asarray(palette.convert("RGB")))
    image = read_image(pil_save(tmp_path / "pt.png", palette, transparency=3))
    expected_alpha = np.where(np.asarray(palette) == 3, 0, 255)
    np.testing.assert_array_equal(image.alpha, expected_alpha)


def test_alpha_inputs(tmp_path):
    rgba = noise(channels=4)
    image = read_image(pil_save(tmp_path / "rgba.png", rgba))
    np.testing.assert_array_equal(image.pixels, rgba[..., :3])
    np.testing.assert_array_equal(image.alpha, rgba[..., 3])
    la = noise(channels=2)
    image = read_image(pil_save(tmp_path / "la.png", PIL.Image.fromarray(la)))
    assert image.grey
    np.testing.assert_array_equal(image.pixels[..., 0], la[..., 0])
    np.testing.assert_array_equal(image.alpha, la[..., 1])
    # a tRNS colour key becomes alpha as well
    image = read_image(pil_save(tmp_path / "key.png", np.zeros((2, 3, 3), np.uint8), transparency=(0, 0, 0)))
    np.testing.assert_array_equal(image.alpha, np.zeros((2, 3)))


@pytest.mark.parametrize("suffix", [".jpg", ".tif"])
def test_cmyk_inputs(tmp_path, suffix):
    cmyk = PIL.Image.frombytes("CMYK", (16, 16), noise(16, 16, 4).tobytes())
    icc = b"\0" * 16 + b"CMYK" + b"\0" * 108  # header-only stand-in: must not survive as an RGB profile
    path = pil_save(tmp_path / f"c{suffix}", cmyk, icc_profile=icc)
    image = read_image(path)
    assert image.pixels.shape == (16, 16, 3) and not image.grey and image.icc_profile is None
    with PIL.Image.open(path) as reference:
        np.testing.assert_array_equal(image.pixels, np.asarray(reference.convert("RGB")))


# --------------------------------------------------------------------------- EXIF orientation

# What a viewer shows for each EXIF orientation, written independently of blurtrace/io/images.py's table.
UPRIGHT = {
    1: lambda a: a,
    2: lambda a: np.fliplr(a),
    3: lambda a: np.rot90(a, 2),
    4: lambda a: np.flipud(a),
    5: lambda a: np.transpose(a, (1, 0, *range(2, a.ndim))),
    6: lambda a: np.rot90(a, 3),  # 90° clockwise
    7: lambda a: np.rot90(np.transpose(a, (1, 0, *range(2, a.ndim))), 2),
    8: lambda a: np.rot90(a, 1),  # 90° anticlockwise
}


def exif_with(orientation: int) -> PIL.Image.Exif:
    exif = PIL.Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "TestCam"
    return exif


@pytest.mark.parametrize("orientation", range(1, 9))
def test_orientation_png_8bit(tmp_path, orientation):
    stored = noise(5, 8, 4)  # asymmetric, with alpha to check it turns as well
    path = pil_save(tmp_path / "o.png", stored, exif=exif_with(orientation))
    image = read_image(path)
    np.testing.assert_array_equal(image.pixels, UPRIGHT[orientation](stored[..., :3]))
    np.testing.assert_array_equal(image.alpha, UPRIGHT[orientation](stored[..., 3]))
    with PIL.Image.open(path) as im:  # agrees with Pillow's own transpose
        np.testing.assert_array_equal(image.pixels, np.asarray(PIL.ImageOps.exif_transpose(im).convert("RGB")))
    exif = PIL.Image.Exif()
    exif.load(image.exif)
    assert exif[0x0112] == 1 and exif[0x010F] == "TestCam"


@pytest.mark.parametrize("orientation", range(1, 9))
def test_orientation_jpeg(tmp_path, orientation):
    stored = blocks()
    image = read_image(pil_save(tmp_path / "o.jpg", stored, exif=exif_with(orientation), quality=95, subsampling=0))
    expected = UPRIGHT[orientation](stored)
    assert image.pixels.shape == expected.shape
    assert np.abs(image.pixels.astype(int) - expected).mean() < 4


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("suffix", [".png", ".tif"])
def test_orientation_16bit(tmp_path, orientation, suffix):
    # 16-bit files are decoded by OpenCV, which turns TIFFs upright on its own; PNGs not.
    stored = noise(5, 8, 0, dtype=np.uint16)
    params = {"exif": exif_with(orientation)} if suffix == ".png" else {"tiffinfo": {0x0112: orientation}}
    image = read_image(pil_save(tmp_path / f"o{suffix}", stored, **params))
    assert image.bit_depth == 16
    np.testing.assert_array_equal(image.pixels[..., 0], UPRIGHT[orientation](stored))


@pytest.mark.parametrize("orientation", [3, 6, 7])
@pytest.mark.parametrize("compression", [None, "tiff_lzw"])  # Pillow's own decoder / libtiff
def test_orientation_tiff_8bit(tmp_path, orientation, compression):
    stored = noise(5, 8)
    image = read_image(pil_save(tmp_path / "o.tif", stored, tiffinfo={0x0112: orientation}, compression=compression))
    np.testing.assert_array_equal(image.pixels, UPRIGHT[orientation](stored))
    assert image.exif is None


# --------------------------------------------------------------------------- rejected inputs


def assert_rejected(path: Path, *fragments: str, **kwargs) -> None:
    with pytest.raises(ImageReadError) as error:
        read_image(path, **kwargs)
    assert_one_line_naming(error, path)
    for fragment in fragments:
        assert fragment in str(error.value)


def test_missing_directory_and_empty(tmp_path):
    assert_rejected(tmp_path / "missing.jpg", "no such file")
    assert_rejected(tmp_path, "directory")
    (tmp_path / "empty.png").write_bytes(b"")
    assert_rejected(tmp_path / "empty.png", "empty")


def test_text_file_named_jpg(tmp_path):
    (tmp_path / "notes.jpg").write_text("not a picture\n")
    assert_rejected(tmp_path / "notes.jpg", "not an image")


@pytest.mark.parametrize(
    ("suffix", "pixels"),
    [(".jpg", noise(64, 64)), (".png", noise(64, 64)), (".png", noise(64, 64, dtype=np.uint16)),
     (".tif", noise(64, 64, dtype=np.uint16)), (".webp", noise(64, 64)), (".bmp", noise(64, 64))],
)
def test_truncated_files(tmp_path, suffix, pixels):
    full = tmp_path / f"full{suffix}"
    write_image(full, pixels)
    data = full.read_bytes()
    cut = tmp_path / f"cut{suffix}"
    cut.write_bytes(data[: len(data) // 2])
    assert_rejected(cut, "truncated" if suffix in (".jpg", ".png", ".bmp") else "")


def test_truncated_jpeg_message(tmp_path):
    data = pyio.BytesIO()
    PIL.Image.fromarray(noise(64, 64)).save(data, "JPEG")
    (tmp_path / "photo.jpg").write_bytes(data.getvalue()[:-400])
    with pytest.raises(ImageReadError, match=r"photo\.jpg: truncated JPEG data$"):
        read_image(tmp_path / "photo.jpg")


def test_decompression_bomb_rejected_before_decoding(tmp_path, monkeypatch):
    def must_not_decode(*args, **kwargs):
        raise AssertionError("pixel data was decoded")

    monkeypatch.setattr(PIL.ImageFile.ImageFile, "load", must_not_decode)
    monkeypatch.setattr(cv2, "imdecode", must_not_decode)
    (tmp_path / "bomb.png").write_bytes(png_header_only(30000, 30000))  # 900 MP declared
    assert_rejected(tmp_path / "bomb.png", "too large")
    assert_rejected(tmp_path / "bomb.png", "too large", max_pixels=1000)
    write_image(tmp_path / "small.png", noise(4, 4))
    assert_rejected(tmp_path / "small.png", "too large", max_pixels=10)


def test_pillow_bomb_errors_become_read_errors(tmp_path, monkeypatch):
    write_image(tmp_path / "x.png", noise(4, 4))
    for exc in (PIL.Image.DecompressionBombError("boom"), PIL.Image.DecompressionBombWarning("boom")):
        def fake_open(*args, exc=exc, **kwargs):
            raise exc

        monkeypatch.setattr(PIL.Image, "open", fake_open)
        assert_rejected(tmp_path / "x.png", "too large")


def test_default_limit_allows_200mp_headers(tmp_path, monkeypatch):
    # Pillow alone would refuse this 199.7 MP (phone camera) size; only the header is parsed here.
    monkeypatch.setattr(PIL.Image, "MAX_IMAGE_PIXELS", PIL.Image.MAX_IMAGE_PIXELS)

    def stop(self):
        raise OSError("header accepted")

    monkeypatch.setattr(PIL.ImageFile.ImageFile, "load", stop)  # do not allocate 600 MB
    (tmp_path / "big.png").write_bytes(png_header_only(16320, 12240))
    with pytest.raises(ImageReadError, match="header accepted"):
        read_image(tmp_path / "big.png")


def test_damaged_16bit_png_is_checked_before_opencv(tmp_path, monkeypatch):
    # OpenCV would allocate the 2 GB this IDAT claims; Pillow's chunk check must refuse it first.
    write_image(tmp_path / "x.png", noise(8, 8, dtype=np.uint16))
    data = bytearray((tmp_path / "x.png").read_bytes())
    idat = data.index(b"IDAT")
    data[idat - 4 : idat] = struct.pack(">I", 0x7FFFFFF0)
    (tmp_path / "bad.png").write_bytes(bytes(data))
    monkeypatch.setattr(cv2, "imdecode", lambda *a, **k: pytest.fail("OpenCV got the damaged file"))
    assert_rejected(tmp_path / "bad.png", "PNG")


def test_zero_size_dimensions(tmp_path):
    (tmp_path / "zero.png").write_bytes(png_header_only(0, 5))
    assert_rejected(tmp_path / "zero.png")
    with pytest.raises(ImageReadError, match="zero size"):
        bio._check_size((0, 5), 100, "zero.png")


@pytest.mark.parametrize("shape", [(1, 1), (1, 100_000), (100_000, 1)])
def test_extreme_but_valid_sizes(tmp_path, shape):
    pixels = noise(*shape)
    write_image(tmp_path / "x.png", pixels)
    np.testing.assert_array_equal(read_image(tmp_path / "x.png").pixels, pixels)


def test_unsupported_32bit_mode(tmp_path):
    pil_save(tmp_path / "f.tif", np.zeros((3, 3), np.float32))
    assert_rejected(tmp_path / "f.tif", "unsupported")


# --------------------------------------------------------------------------- atomic writes


def test_atomic_output_names_and_success(tmp_path):
    target = tmp_path / "clip.mp4"
    with atomic_output(target) as tmp:
        assert tmp.parent == tmp_path
        assert tmp.name.startswith(".clip.mp4.") and tmp.name.endswith(".tmp.mp4")
        assert tmp.exists()
        tmp.write_bytes(b"video")
        assert not target.exists()
    assert target.read_bytes() == b"video"
    assert listing(tmp_path) == {"clip.mp4"}
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_atomic_output_cleans_up_on_error(tmp_path):
    target = tmp_path / "x.npz"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_output(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("boom")
    assert target.read_bytes() == b"old"
    assert listing(tmp_path) == {"x.npz"}


def test_write_creates_parent_folders(tmp_path):
    write_image(tmp_path / "new" / "deeper" / "x.png", noise())
    assert (tmp_path / "new" / "deeper" / "x.png").is_file()


@pytest.fixture
def old_target(tmp_path) -> Path:
    target = tmp_path / "out.png"
    target.write_bytes(b"old content")
    return target


def failing_save(exc: BaseException):
    def save(self, fp, *args, **kwargs):
        fp.write(b"partial data")  # die midway through encoding
        raise exc

    return save


def test_encoder_failure_leaves_target_alone(old_target, monkeypatch):
    monkeypatch.setattr(PIL.Image.Image, "save", failing_save(OSError("encoder error -2 when writing image file")))
    with pytest.raises(ImageWriteError) as error:
        write_image(old_target, noise())
    assert_one_line_naming(error, old_target)
    assert "encoder error" in str(error.value)
    assert old_target.read_bytes() == b"old content"
    assert listing(old_target.parent) == {"out.png"}


def test_non_os_encoder_error_is_reraised(old_target, monkeypatch):
    monkeypatch.setattr(PIL.Image.Image, "save", failing_save(ValueError("bad parameter")))
    with pytest.raises(ValueError, match="bad parameter"):
        write_image(old_target, noise())
    assert old_target.read_bytes() == b"old content"
    assert listing(old_target.parent) == {"out.png"}


def test_keyboard_interrupt_during_write(old_target, monkeypatch):
    monkeypatch.setattr(PIL.Image.Image, "save", failing_save(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        write_image(old_target, noise())
    assert old_target.read_bytes() == b"old content"
    assert listing(old_target.parent) == {"out.png"}


def test_16bit_encoder_failure(old_target, monkeypatch):
    monkeypatch.setattr(cv2, "imencode", lambda *a, **k: (False, None))
    monkeypatch.setattr(cv2, "imencodeWithMetadata", lambda *a, **k: (False, None), raising=False)
    with pytest.raises(ImageWriteError, match="could not encode"):
        write_image(old_target, noise(dtype=np.uint16))
    assert old_target.read_bytes() == b"old content"
    assert listing(old_target.parent) == {"out.png"}


@pytest.mark.parametrize("where", ["fsync", "replace"])
def test_disk_full(old_target, monkeypatch, where):
    real = getattr(os, where)
    calls = []

    def no_space(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(*args, **kwargs)

    monkeypatch.setattr(os, where, no_space)
    with pytest.raises(ImageWriteError) as error:
        write_image(old_target, noise())
    assert str(error.value) == f"{old_target}: no space left on device"
    assert isinstance(error.value, OSError)
    assert old_target.read_bytes() == b"old content"
    assert listing(old_target.parent) == {"out.png"}


def test_disk_full_during_file_write(tmp_path, monkeypatch):
    real_open = open

    class FullFile:
        def __init__(self, f):
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def write(self, data):
            self.f.write(bytes(data)[:10])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(bio, "open", lambda *a, **k: FullFile(real_open(*a, **k)), raising=False)
    with pytest.raises(ImageWriteError, match="no space left on device"):
        write_image(tmp_path / "x.png", noise(dtype=np.uint16))  # the OpenCV path writes bytes itself
    assert listing(tmp_path) == set()


def test_unwritable_directory_simulated(tmp_path, monkeypatch):
    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(os, "open", denied)
    with pytest.raises(ImageWriteError) as error:
        write_image(tmp_path / "x.png", noise())
    assert str(error.value) == f"{tmp_path / 'x.png'}: permission denied"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores directory permissions")
def test_unwritable_directory_real(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(ImageWriteError, match="permission denied"):
            write_image(locked / "x.png", noise())
    finally:
        locked.chmod(0o700)


# --------------------------------------------------------------------------- offsets files


def make_offsets(n: int = 3, h: int = 4, w: int = 5, *, with_ends: bool = True, **changes) -> OffsetsFile:
    fields = dict(
        offsets=RNG.normal(size=(n, 2, h, w)).astype(np.float32),
        times=np.linspace(-1, 1, n, dtype=np.float32),
        constraint="linear",
        light="gamma",
        start=RNG.normal(size=(2, h, w)).astype(np.float32) if with_ends else None,
        end=RNG.normal(size=(2, h, w)).astype(np.float32) if with_ends else None,
    )
    fields.update(changes)
    return OffsetsFile(**fields)


@pytest.mark.parametrize("with_ends", [True, False])
def test_offsets_round_trip(tmp_path, with_ends):
    original = make_offsets(with_ends=with_ends, constraint="quadratic" if with_ends else "none", light="linear")
    save_offsets(tmp_path / "o.npz", original)
    loaded = load_offsets(tmp_path / "o.npz")
    for key in ("offsets", "times", "start", "end"):
        a, b = getattr(original, key), getattr(loaded, key)
        if a is None:
            assert b is None
        else:
            assert b.dtype == np.float32
            np.testing.assert_array_equal(a, b)
    assert (loaded.constraint, loaded.light) == (original.constraint, original.light)
    # the raw file is readable without pickle, strings as 0-d unicode arrays
    with np.load(tmp_path / "o.npz", allow_pickle=False) as raw:
        assert raw["constraint"].ndim == 0 and raw["constraint"].dtype.kind == "U"
        assert str(raw["light"]) == "linear"
        ends = {"start", "end"} if with_ends else set()
        assert set(raw.files) == {"offsets", "times", "constraint", "light"} | ends
    assert listing(tmp_path) == {"o.npz"}


def test_offsets_without_npz_suffix_and_float64(tmp_path):
    of = make_offsets()
    of64 = OffsetsFile(offsets=of.offsets.astype(np.float64), times=of.times.astype(np.float64),
                       constraint="bilinear", light="gamma", start=of.start, end=of.end)
    save_offsets(tmp_path / "offsets", of64)
    assert listing(tmp_path) == {"offsets"}
    assert load_offsets(tmp_path / "offsets").offsets.dtype == np.float32


def raw_fields(**changes) -> dict:
    of = make_offsets()
    fields = {
        "offsets": of.offsets, "times": of.times, "start": of.start, "end": of.end,
        "constraint": np.array("linear"), "light": np.array("gamma"),
    }
    fields.update(changes)
    return {k: v for k, v in fields.items() if v is not None}


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"offsets": None}, "missing key 'offsets'"),
        ({"times": None}, "missing key 'times'"),
        ({"constraint": None}, "missing key 'constraint'"),
        ({"light": None}, "missing key 'light'"),
        ({"offsets": np.zeros((3, 2, 4, 5), np.float64)}, "'offsets' must be float32"),
        ({"offsets": np.zeros((3, 3, 4, 5), np.float32)}, "'offsets' must be float32 of shape (N, 2, H, W)"),
        ({"offsets": np.zeros((2, 4, 5), np.float32)}, "'offsets' must be"),
        ({"offsets": np.full((3, 2, 4, 5), np.nan, np.float32)}, "NaN"),
        ({"times": np.zeros(4, np.float32)}, "'times' must be float32 of shape (3,)"),
        ({"times": np.array([-1, 0, 1], np.int64)}, "'times' must be float32"),
        ({"times": np.array([-1, 1, 0], np.float32)}, "ascending"),
        ({"times": np.array([-1, 0, 0], np.float32)}, "ascending"),
        ({"times": np.array([-2, 0, 1], np.float32)}, "[-1, 1]"),
        ({"times": np.array([-1, 0, np.nan], np.float32)}, "[-1, 1]"),
        ({"constraint": np.array("cubic")}, "unknown constraint 'cubic'"),
        ({"light": np.array("log")}, "unknown light 'log'"),
        ({"light": np.array(["gamma"])}, "'light' must be a string"),
        ({"constraint": np.array(3)}, "'constraint' must be a string"),
        ({"end": None}, "together"),
        ({"start": np.zeros((2, 4, 6), np.float32)}, "'start' must be float32 of shape (2, 4, 5)"),
        ({"end": np.zeros((2, 4, 5), np.float16)}, "'end' must be float32"),
    ],
)
def test_offsets_validation(tmp_path, changes, reason):
    path = tmp_path / "bad.npz"
    np.savez(path, **raw_fields(**changes))
    with pytest.raises(OffsetsFileError) as error:
        load_offsets(path)
    assert_one_line_naming(error, path)
    assert reason in str(error.value)


def test_offsets_unreadable_files(tmp_path):
    cases = {
        "missing.npz": None,
        "text.npz": b"hello",
        "empty.npz": b"",
        "array.npy": "npy",
        "pickled.npz": "pickle",
        "zipjunk.npz": b"PK\x03\x04" + b"\0" * 40,
    }
    for name, content in cases.items():
        path = tmp_path / name
        if content == "npy":
            np.save(path, np.zeros(3))
        elif content == "pickle":
            np.savez(path, **raw_fields(constraint=np.array(["linear", None], dtype=object)))
        elif content is not None:
            path.write_bytes(content)
        with pytest.raises(OffsetsFileError) as error:
            load_offsets(path)
        assert_one_line_naming(error, path)
    with pytest.raises(OffsetsFileError, match="directory"):
        load_offsets(tmp_path)


def test_save_offsets_rejects_invalid(tmp_path):
    with pytest.raises(OffsetsFileError, match="ascending"):
        save_offsets(tmp_path / "o.npz", make_offsets(times=np.array([1, 0, -1], np.float32)))
    with pytest.raises(OffsetsFileError, match="unknown light"):
        save_offsets(tmp_path / "o.npz", make_offsets(light="sRGB"))
    assert listing(tmp_path) == set()


def test_save_offsets_disk_full(tmp_path, monkeypatch):
    def no_space(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", no_space)
    with pytest.raises(ImageWriteError, match="o.npz: no space left on device"):
        save_offsets(tmp_path / "o.npz", make_offsets())
    assert listing(tmp_path) == set()


# --------------------------------------------------------------------------- find_images


@pytest.fixture
def tree(tmp_path, monkeypatch) -> Path:
    """shots/{a.jpg, B.PNG, notes.txt, .hidden.jpg, .cache/x.jpg, day2/{c.tif, d.webp, raw.cr2, deep/e.bmp}}"""
    monkeypatch.chdir(tmp_path)
    files = ["a.jpg", "B.PNG", "notes.txt", ".hidden.jpg", ".cache/x.jpg",
             "day2/c.tif", "day2/d.webp", "day2/raw.cr2", "day2/deep/e.bmp"]
    for name in files:
        (tmp_path / "shots" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "shots" / name).write_bytes(b"x")
    return Path("shots")


def test_find_folder_flat(tree):
    pairs, skipped = find_images([tree])
    assert pairs == [(tree / "B.PNG", Path("B.PNG")), (tree / "a.jpg", Path("a.jpg"))]
    assert skipped == 4  # notes.txt, .hidden.jpg, .cache, day2 (not recursive)


def test_find_folder_recursive(tree):
    pairs, skipped = find_images([tree], recursive=True)
    expected = ["B.PNG", "a.jpg", "day2/c.tif", "day2/d.webp", "day2/deep/e.bmp"]
    assert [rel for _, rel in pairs] == [Path(p) for p in expected]
    assert all(image == tree / rel for image, rel in pairs)
    assert skipped == 4  # notes.txt, .hidden.jpg, .cache, raw.cr2


def test_find_explicit_files_always_returned(tree):
    pairs, skipped = find_images([tree / "notes.txt", tree / ".hidden.jpg", tree / "day2" / "c.tif"])
    assert pairs == [
        (tree / ".hidden.jpg", Path(".hidden.jpg")),
        (tree / "day2" / "c.tif", Path("c.tif")),
        (tree / "notes.txt", Path("notes.txt")),
    ]
    assert skipped == 0


def test_find_globs(tree):
    pairs, skipped = find_images(["shots/*"])  # the matched folder day2 counts as named: its files, not deep/
    assert [rel for _, rel in pairs] == [Path(p) for p in ["B.PNG", "a.jpg", "day2/c.tif", "day2/d.webp"]]
    assert skipped == 3  # notes.txt, day2/raw.cr2, day2/deep; "*" does not match hidden names
    pairs, _ = find_images(["shots/*/*.tif"])
    assert pairs == [(tree / "day2" / "c.tif", Path("day2/c.tif"))]
    pairs, _ = find_images(["shots/**/*.bmp"], recursive=True)
    assert pairs == [(tree / "day2/deep/e.bmp", Path("day2/deep/e.bmp"))]
    with pytest.raises(FileNotFoundError):  # ** is just * then, and nothing matches
        find_images(["shots/**/*.bmp"], recursive=False)


def test_find_glob_matching_folders(tree):
    pairs, skipped = find_images(["shots/day*"], recursive=True)
    assert [rel for _, rel in pairs] == [Path("day2/c.tif"), Path("day2/d.webp"), Path("day2/deep/e.bmp")]
    assert skipped == 1  # raw.cr2


def test_find_deduplicates_and_sorts(tree):
    pairs, _ = find_images([tree / "a.jpg", tree, "shots/*.jpg"])
    assert pairs == [(tree / "B.PNG", Path("B.PNG")), (tree / "a.jpg", Path("a.jpg"))]


def test_find_missing(tree):
    with pytest.raises(FileNotFoundError, match="nothing.jpg"):
        find_images(["nothing.jpg"])
    with pytest.raises(FileNotFoundError, match=r"no files match"):
        find_images(["shots/*.gif"])


def test_image_suffixes():
    assert IMAGE_SUFFIXES == {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".bmp"}


# --------------------------------------------------------------------------- fuzzing


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def encoded(fmt: str) -> bytes:
    buffer = pyio.BytesIO()
    PIL.Image.fromarray(blocks(16, 16)).save(buffer, fmt, exif=exif_with(6))
    return buffer.getvalue()


def encoded_16bit(ext: str) -> bytes:
    return cv2.imencode(ext, noise(16, 16, 4, dtype=np.uint16))[1].tobytes()


SEEDS = [encoded("PNG"), encoded("JPEG"), encoded("WEBP"), encoded("TIFF"), encoded("BMP"),
         encoded_16bit(".png"), encoded_16bit(".tiff")]
SIGNATURES = [b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"II*\x00", b"BM", b"RIFF\0\0\0\0WEBPVP8 "]


def read_or_reject(path: Path) -> None:
    try:
        image = read_image(path, max_pixels=1_000_000)
    except ImageReadError as e:
        assert "\n" not in str(e) and str(path) in str(e)
    else:
        assert image.pixels.ndim == 3 and image.pixels.shape[2] == 3
        assert image.pixels.dtype in (np.uint8, np.uint16)


FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(prefix=st.sampled_from([b""] + SIGNATURES), body=st.binary(max_size=300))
def test_fuzz_random_bytes(fuzz_dir, prefix, body):
    path = fuzz_dir / "random.jpg"
    path.write_bytes(prefix + body)
    read_or_reject(path)


@FUZZ
@given(
    seed=st.sampled_from(SEEDS),
    cut=st.floats(0, 1),
    flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=6),
)
def test_fuzz_damaged_images(fuzz_dir, seed, cut, flips):
    data = bytearray(seed[: max(1, int(len(seed) * cut))] if cut < 0.9 else seed)
    for where, value in flips:
        data[min(int(where * len(data)), len(data) - 1)] = value
    path = fuzz_dir / "damaged.png"
    path.write_bytes(bytes(data))
    read_or_reject(path)


@FUZZ
@given(
    h=st.integers(1, 12),
    w=st.integers(1, 12),
    channels=st.sampled_from([0, 1, 2, 3, 4]),
    dtype=st.sampled_from([np.uint8, np.uint16, np.float32, np.float64]),
    suffix=st.sampled_from([".png", ".tif", ".bmp", ".jpg", ".webp"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_fuzz_write_then_read(fuzz_dir, monkeypatch, h, w, channels, dtype, suffix, seed):
    monkeypatch.setattr(os, "fsync", lambda fd: None)  # durability is not under test here; speed is
    rng = np.random.default_rng(seed)
    shape = (h, w) if channels == 0 else (h, w, channels)
    if np.issubdtype(dtype, np.floating):
        pixels = rng.random(shape).astype(dtype)
    else:
        pixels = rng.integers(0, np.iinfo(dtype).max, shape, dtype=dtype, endpoint=True)
    path = fuzz_dir / f"w{suffix}"
    write_image(path, pixels)
    image = read_image(path)
    assert image.pixels.shape == (h, w, 3)
    has_alpha = channels in (2, 4) and suffix in (".png", ".tif", ".webp")
    assert (image.alpha is not None) == has_alpha
    bit_depth = 16 if dtype == np.uint16 and suffix in (".png", ".tif") else 8
    assert image.bit_depth == bit_depth
    if suffix in (".png", ".tif", ".bmp"):  # lossless: exact after the depth conversion
        expected = bio.to_bit_depth(pixels, bit_depth)
        colour = expected if expected.ndim == 2 else expected[..., 0] if channels in (1, 2) else expected[..., :3]
        if colour.ndim == 2:
            colour = np.repeat(colour[..., None], 3, 2)
        np.testing.assert_array_equal(image.pixels, colour)
        if has_alpha:
            np.testing.assert_array_equal(image.alpha, expected[..., -1])
    assert listing(fuzz_dir) >= {path.name} and not any(n.startswith(".") for n in listing(fuzz_dir))


def test_as_rgb_uint8_for_drawing_and_frames():
    from blurtrace.io import as_rgb_uint8

    grey = np.array([[0.0, 0.5], [1.0, 2.0]])  # float: clipped to [0, 1] and rounded
    np.testing.assert_array_equal(as_rgb_uint8(grey), np.repeat(np.array([[0, 128], [255, 255]], np.uint8)[..., None], 3, axis=2))
    rgba = np.arange(2 * 2 * 4, dtype=np.uint8).reshape(2, 2, 4)
    got = as_rgb_uint8(rgba)
    np.testing.assert_array_equal(got, rgba[..., :3])
    assert got.flags.c_contiguous and got.dtype == np.uint8
    with pytest.raises(ValueError, match="frames must be uint8 or float"):
        as_rgb_uint8(np.zeros((2, 2, 3), np.uint16), what="frames")
    with pytest.raises(ValueError, match=r"image must be H×W×3.*\(2, 2, 2\)"):
        as_rgb_uint8(np.zeros((2, 2, 2)))
