"""Writing and probing videos: frames (``H×W×3`` uint8 RGB, one at a time) to a file or folder.

Containers are chosen from the output path:

- ``.mp4``: H.264 (``libx264``, CRF 18, ``yuv420p``, BT.709, ``+faststart``) through the
  ffmpeg binary bundled with imageio-ffmpeg; streamed, frames are not held in memory.
  ``yuv420p`` needs even sides, so odd sizes are padded by one row/column at the
  bottom/right (edge pixels repeated), never resized.
- ``.gif``: Pillow, looping, one 256-colour palette taken from the first frame (no
  dithering, so still regions do not shimmer). GIF stores delays in centiseconds, so
  ``1000/fps`` ms is rounded to a multiple of 10 ms, and at least 20 ms because browsers
  play shorter delays at 100 ms.
- ``.webp``: Pillow animated WebP, lossy quality 90, looping.
- a folder (an existing directory or a path without suffix): ``frame_0000.png`` … .

Every file is written through :func:`blurtrace.io.atomic_output`: a failure midway
leaves neither a partial output nor a temporary file behind.
"""
from __future__ import annotations

import itertools
import re
import subprocess
from fractions import Fraction
from pathlib import Path
from typing import Callable, Iterable, Iterator

import imageio_ffmpeg
import numpy as np
from PIL import Image

from .files import atomic_output
from .images import as_rgb_uint8

CONTAINERS: tuple[str, ...] = (".mp4", ".gif", ".webp")
_CRF = 18  # visually lossless-ish for H.264; 23 is x264's default
_WEBP_QUALITY = 90
_FRAME_PATTERN = re.compile(r"^frame_(\d+)\.png$")


def _container(path: Path) -> str:
    """``mp4`` / ``gif`` / ``webp`` / ``folder`` for an output path, else ``ValueError``."""
    if path.is_dir() or path.suffix == "":
        return "folder"
    suffix = path.suffix.lower()
    if suffix in CONTAINERS:
        return suffix[1:]
    raise ValueError(
        f"cannot write video to {str(path)!r}: unknown suffix {path.suffix!r}; use "
        f"{', '.join(CONTAINERS)}, or a folder (a path without suffix) for PNG frames"
    )


def _frame_stream(frames, count, boomerang, side_by_side) -> Iterator[np.ndarray]:
    """Validated, composed frames in playing order (boomerang appended)."""
    left = None if side_by_side is None else as_rgb_uint8(side_by_side, what="side_by_side")
    it = iter(frames) if count is None else itertools.islice(frames, count)
    size = None
    kept: list[np.ndarray] = []
    for k, frame in enumerate(it):
        img = as_rgb_uint8(frame, what="frames")
        if size is None:
            size = img.shape[:2]
        elif img.shape[:2] != size:
            raise ValueError(f"frame {k} is {img.shape[1]}×{img.shape[0]}, frame 0 was {size[1]}×{size[0]}")
        if left is not None:
            if left.shape[0] != img.shape[0]:
                raise ValueError(f"side_by_side image height {left.shape[0]} differs from the frames' {img.shape[0]}")
            img = np.concatenate((left, img), axis=1)
        if boomerang:
            kept.append(img)  # a one-shot generator cannot be replayed backwards
        yield img
    # back again without repeating the turning points: 0 … K−1, K−2 … 1
    yield from reversed(kept[1:-1])


def _even_pad(img: np.ndarray) -> np.ndarray:
    """Pad bottom/right by repeating the edge so both sides are even (yuv420p needs it)."""
    h, w = img.shape[:2]
    if h % 2 == 0 and w % 2 == 0:
        return img
    return np.pad(img, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")


class EncoderError(RuntimeError):
    """The video encoder (the ffmpeg bundled with imageio-ffmpeg) is missing or failed."""


def _write_mp4(path: Path, first: np.ndarray, rest: Iterator[np.ndarray], fps, tick) -> int:
    try:
        return _write_mp4_frames(path, first, rest, fps, tick)
    except (RuntimeError, BrokenPipeError) as e:
        if isinstance(e, EncoderError):
            raise
        raise EncoderError(f"{path}: ffmpeg failed ({str(e).splitlines()[0] if str(e) else type(e).__name__})") from e


def _write_mp4_frames(path: Path, first: np.ndarray, rest: Iterator[np.ndarray], fps, tick) -> int:
    h, w = first.shape[:2]
    size = (w + w % 2, h + h % 2)
    written = 0
    with atomic_output(path) as tmp:
        writer = imageio_ffmpeg.write_frames(
            str(tmp),
            size,
            fps=fps,
            codec="libx264",
            pix_fmt_out="yuv420p",
            quality=None,  # quality is set as a CRF below, not imageio's 0–10 scale
            macro_block_size=1,  # we pad to even sizes ourselves; imageio would resize
            ffmpeg_log_level="error",
            output_params=[
                "-crf", str(_CRF),
                # swscale converts RGB with BT.601 unless told; browsers decode as BT.709
                # and tag the stream so that players need not guess
                "-vf", "scale=out_color_matrix=bt709:out_range=tv,"
                       "setparams=range=tv:colorspace=bt709:color_primaries=bt709:color_trc=bt709",
                "-movflags", "+faststart",
                "-f", "mp4",
            ],
        )
        writer.send(None)  # start ffmpeg
        try:
            for img in itertools.chain((first,), rest):
                writer.send(_even_pad(img))
                written += 1
                tick(written)
        finally:
            # let ffmpeg finish (or stop) before atomic_output keeps or deletes the file
            writer.close()
        if not tmp.exists() or tmp.stat().st_size == 0:
            raise EncoderError(f"ffmpeg did not write {path}")
    return written


def gif_duration_ms(fps: float) -> int:
    """Per-frame GIF delay: ``1000/fps`` ms rounded to centiseconds, at least 20 ms.

    GIF delays are whole centiseconds; browsers play delays of 0–10 ms at 100 ms, so
    rates above 50 fps are capped at 50 fps rather than slowed down tenfold.
    """
    return 10 * max(2, round(100.0 / float(fps)))


def _write_gif(path: Path, first: np.ndarray, rest: Iterator[np.ndarray], fps, tick) -> int:
    # One palette for all frames (from the first): per-frame palettes make colours flicker.
    palette = Image.fromarray(first).quantize(256, method=Image.Quantize.MEDIANCUT)
    count = 0

    def quantized():
        nonlocal count
        for img in itertools.chain((first,), rest):
            count += 1
            tick(count)
            yield Image.fromarray(img).quantize(palette=palette, dither=Image.Dither.NONE)

    images = quantized()
    head = next(images)
    with atomic_output(path) as tmp:
        # Pillow merges identical consecutive frames into one longer frame (same timing)
        head.save(tmp, format="GIF", save_all=True, append_images=images, loop=0,
                  duration=gif_duration_ms(fps), disposal=1)
    return count


def _write_webp(path: Path, first: np.ndarray, rest: Iterator[np.ndarray], fps, tick) -> int:
    images = []
    for img in itertools.chain((first,), rest):
        images.append(Image.fromarray(img))
        tick(len(images))
    with atomic_output(path) as tmp:
        # float duration: Pillow rounds the running timestamp, so the rate is exact on average
        images[0].save(tmp, format="WEBP", save_all=True, append_images=images[1:], loop=0,
                       duration=1000.0 / float(fps), quality=_WEBP_QUALITY, method=4)
    return len(images)


def _write_folder(path: Path, first: np.ndarray, rest: Iterator[np.ndarray], digits: int, tick) -> int:
    if path.exists() and not path.is_dir():
        raise ValueError(f"{str(path)!r} exists and is not a folder")
    created = not path.exists()
    path.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        for k, img in enumerate(itertools.chain((first,), rest)):
            name = path / f"frame_{k:0{digits}d}.png"
            with atomic_output(name) as tmp:
                Image.fromarray(img).save(tmp, format="PNG")
            written.append(name)
            tick(len(written))
    except BaseException:
        # the folder is the output: take back what this call wrote
        for name in written:
            name.unlink(missing_ok=True)
        if created and not any(path.iterdir()):
            path.rmdir()
        raise
    # frames left over from an earlier, longer video would play on after this one
    keep = {name.name for name in written}
    for old in path.iterdir():
        if _FRAME_PATTERN.match(old.name) and old.name not in keep and old.is_file():
            old.unlink()
    return len(written)


def write_video(
    path,
    frames: Iterable,
    *,
    fps: float = 30.0,
    count: int | None = None,
    boomerang: bool = False,
    side_by_side=None,
    progress: Callable[[int], object] | None = None,
) -> int:
    """Write frames as a video; the container follows ``path`` (see the module docstring).

    Args:
        path: ``*.mp4``, ``*.gif``, ``*.webp``, or a folder (existing directory or a path
            without suffix) for numbered PNG frames ``frame_0000.png`` …; a folder keeps
            other files, but ``frame_*.png`` left from an earlier video are removed.
        frames: iterable (a generator is fine) of ``H×W×3`` uint8 RGB (or float [0, 1]) frames,
            all the same size.
        fps: frames per second (> 0).
        count: use at most this many frames from ``frames`` (``None``: all); it also sets the
            number of digits of PNG frame names when that exceeds 4.
        boomerang: play forwards then backwards: K frames become ``2K − 2`` (the turning
            frames are not repeated). Holds the K frames in memory.
        side_by_side: ``H×W'×3`` image (e.g. the blurry input) placed left of every frame.
        progress: called as ``progress(k)`` after the k-th frame (1-based, boomerang
            included) has been handed to the encoder.

    Returns:
        Number of frames written (for GIF, identical consecutive frames are stored merged).

    Raises:
        ValueError: unknown suffix, no frames, frames of different sizes, bad arguments.
    """
    path = Path(path)
    kind = _container(path)
    if not float(fps) > 0:
        raise ValueError(f"fps must be positive, got {fps!r}")
    if count is not None and count < 1:
        raise ValueError(f"count must be at least 1, got {count!r}")
    fps = fps if isinstance(fps, Fraction) else float(fps)  # imageio-ffmpeg refuses numpy scalars
    tick = progress if progress is not None else (lambda k: None)

    stream = _frame_stream(frames, count, boomerang, side_by_side)
    first = next(stream, None)  # before any file is created: an empty video is an error
    if first is None:
        raise ValueError("no frames to write")
    if kind == "mp4":
        return _write_mp4(path, first, stream, fps, tick)
    if kind == "gif":
        return _write_gif(path, first, stream, fps, tick)
    if kind == "webp":
        return _write_webp(path, first, stream, fps, tick)
    total = None if count is None else (2 * count - 2 if boomerang and count > 1 else count)
    digits = max(4, len(str(total - 1))) if total else 4
    return _write_folder(path, first, stream, digits, tick)


# ------------------------------------------------------------------------- probing


def _split_outside_parens(text: str) -> list[str]:
    """Split ffmpeg's stream description at commas that are not inside parentheses."""
    return [part.strip() for part in re.split(r",\s*(?![^()]*\))", text)]


def _probe_ffmpeg(path: Path) -> dict:
    # `ffmpeg -i file` with no output prints the stream info to stderr and exits with 1
    proc = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace",
    )
    line = next((l for l in proc.stderr.splitlines() if "Stream #" in l and " Video: " in l), None)
    if line is None:
        raise ValueError(f"no video stream in {path}:\n{proc.stderr.strip()[-2000:]}")
    parts = _split_outside_parens(line.split(" Video: ", 1)[1])
    codec = parts[0].split(" ", 1)[0]
    pix_fmt = re.match(r"[\w]+", parts[1]).group(0) if len(parts) > 1 else None
    width = height = None
    fps = None
    for part in parts:
        m = re.match(r"(\d+)x(\d+)\b", part)
        if m and width is None:
            width, height = int(m.group(1)), int(m.group(2))
        m = re.match(r"([\d.]+)(k?) (fps|tbr)\b", part)
        if m and (fps is None or m.group(3) == "fps"):
            fps = float(m.group(1)) * (1000 if m.group(2) else 1)
    frames, seconds = imageio_ffmpeg.count_frames_and_secs(str(path))
    return {"frames": frames, "codec": codec, "pix_fmt": pix_fmt, "width": width,
            "height": height, "fps": fps, "duration": seconds}


def _webp_pix_fmt(path: Path) -> str:
    data = path.read_bytes()
    if b"VP8L" in data[:4096] and b"VP8 " not in data:
        return "argb"
    return "yuva420p" if b"ALPH" in data else "yuv420p"


def _probe_pillow(path: Path, codec: str) -> dict:
    with Image.open(path) as im:
        n = getattr(im, "n_frames", 1)
        durations = []
        for k in range(n):
            im.seek(k)
            im.load()  # WebP reports a frame's duration only once it is decoded
            durations.append(int(im.info.get("duration", 0)))
        width, height = im.size
    total_ms = sum(durations)
    return {
        "frames": n,
        "codec": codec,
        "pix_fmt": "pal8" if codec == "gif" else _webp_pix_fmt(path),
        "width": width,
        "height": height,
        "fps": 1000.0 * n / total_ms if total_ms > 0 else None,
        "duration": total_ms / 1000.0,
        "durations": durations,
    }


def _probe_folder(path: Path) -> dict:
    names = sorted((p for p in path.iterdir() if _FRAME_PATTERN.match(p.name)),
                   key=lambda p: int(_FRAME_PATTERN.match(p.name).group(1)))
    width = height = None
    if names:
        with Image.open(names[0]) as im:
            width, height = im.size
    return {"frames": len(names), "codec": "png", "pix_fmt": "rgb24", "width": width,
            "height": height, "fps": None, "duration": None}


def probe_video(path) -> dict:
    """Describe a written video.

    Returns:
        ``frames``, ``codec`` (e.g. ``h264``, ``gif``, ``webp``, ``png``), ``pix_fmt`` (ffmpeg
        names, e.g. ``yuv420p``; ``pal8`` for GIF), ``width``, ``height``, ``fps`` and
        ``duration`` (s); GIF/WebP add ``durations`` (ms per stored frame). For a PNG
        folder ``fps``/``duration`` are None. Other containers are read by ffmpeg.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(path)
    if path.is_dir():
        return _probe_folder(path)
    suffix = path.suffix.lower()
    if suffix in (".gif", ".webp"):
        return _probe_pillow(path, suffix[1:])
    return _probe_ffmpeg(path)
