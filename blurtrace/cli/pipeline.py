"""What each command does to one photo: the commands (``commands``) only parse and wire these to files.

Each ``…Job`` loads its models once and is then called per input (``jobs.Job``), returning a
JSON-able dict of results.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ..inference.predictors import (
    DeblurPredictor,
    Trajectories,
    TrajectoryPredictor,
    image_to_tensor,
)
from ..io import (
    Image,
    ImageReadError,
    load_offsets,
    read_image,
    save_offsets,
    to_float,
    write_image,
)
from ..ops.blur import reblur
from ..ops.trajectory import uniform_times
from .jobs import Job

OVERLAY_TIMES = 9  # a quadratic drawn through 9 points (subdivided when drawn) looks smooth
# The offset network pads to 16-pixel blocks: a thinner image is mostly padding (a 100000×1
# strip would cost as much as a 1600×1000 photo) and holds no two-dimensional motion anyway.
MIN_SIDE = 16


def read_photo(path: Path) -> Image:
    """:func:`read_image`, refusing images too small to estimate motion in (``ImageReadError``)."""
    img = read_image(path)
    if min(img.width, img.height) < MIN_SIDE:
        raise ImageReadError(f"{path}: {img.width}×{img.height} pixels is too small to estimate motion in (both sides must be at least {MIN_SIDE})")
    return img


def _uint8(img: Image) -> np.ndarray:
    return (to_float(img) * 255 + 0.5).astype(np.uint8)


def _stats(traj: Trajectories) -> dict:
    # a subsample of ≤ ~1 megapixel gives the same median and 95th percentile, in bounded memory
    h, w = traj.params.shape[-2:]
    stride = max(1, int(np.ceil(np.sqrt(h * w / 1e6))))
    mag = traj.magnitude(uniform_times(OVERLAY_TIMES), stride=stride)
    return {"blur_px_median": round(float(np.median(mag)), 3), "blur_px_p95": round(float(np.percentile(mag, 95)), 3), "constraint": traj.constraint}


def _sibling(job: Job, suffix: str, primary_suffix: str) -> Path:
    """Secondary output beside the primary one: auto-named outputs share the input's stem."""
    auto = job.dest.name.startswith(job.src.stem + primary_suffix)
    base = job.dest.parent / job.src.stem if auto else job.dest.with_suffix("")
    return base.with_name(base.name + suffix)


class TrajectoryJob:
    """``blurtrace trajectory``: overlay, blur-magnitude map and/or the offsets file."""

    def __init__(self, *, weights=None, device="auto", ensemble=1, precision="auto", overlay=True, magnitude=False, save_offsets: Path | None = None, multiple=False,
                 n_offsets: int | None = None, spacing=32, magnify=None, line_width=2.0) -> None:
        self.predictor = TrajectoryPredictor(weights=weights, device=device, ensemble=ensemble, precision=precision)
        self.overlay, self.magnitude, self.save_offsets, self.multiple = overlay, magnitude, save_offsets, multiple
        self.n_offsets, self.spacing, self.magnify, self.line_width = n_offsets, spacing, magnify, line_width

    def offsets_path(self, job: Job) -> Path:
        if self.save_offsets is not None and not self.multiple and self.save_offsets.suffix:
            return self.save_offsets
        folder = self.save_offsets if self.save_offsets is not None else job.dest.parent
        return folder / job.rel.parent / f"{job.src.stem}.offsets.npz" if self.save_offsets is not None else job.dest

    def __call__(self, job: Job) -> dict:
        from ..render.overlay import draw_trajectories, magnitude_map

        img = read_photo(job.src)
        traj = self.predictor(to_float(img))
        result = {"input": str(job.src), "width": img.width, "height": img.height, **_stats(traj)}
        primary = ".trajectory" if self.overlay else ".blurmap" if self.magnitude else ".offsets"
        times = uniform_times(OVERLAY_TIMES)
        written: list[Path] = []  # an input that fails (or is interrupted) half-way leaves none of its outputs
        try:
            if self.overlay:
                # offsets only where trajectories are drawn: a 24 MP photo's full set is 1.7 GB
                picture = draw_trajectories(_uint8(img), lambda rows, cols: traj.at(rows, cols, times), spacing=self.spacing, magnify=self.magnify, line_width=self.line_width)
                write_image(job.dest, picture)
                written.append(job.dest)
                result["overlay"] = str(job.dest)
            if self.magnitude:
                path = job.dest if primary == ".blurmap" else _sibling(job, ".blurmap.png", primary)
                write_image(path, magnitude_map(magnitude=traj.magnitude(times)))
                written.append(path)
                result["magnitude"] = str(path)
            if self.save_offsets is not None or primary == ".offsets":
                path = self.offsets_path(job)
                path.parent.mkdir(parents=True, exist_ok=True)
                save_offsets(path, traj.to_file(self.n_offsets))
                result["offsets"] = str(path)
        except BaseException:
            for path in written:
                path.unlink(missing_ok=True)
            raise
        result["output"] = str(job.dest)
        return result


class DeblurJob:
    """``blurtrace deblur``: estimate trajectories, then undo the blur along them."""

    def __init__(self, *, weights=None, deblur_weights=None, device="auto", method="auto", iterations=30, ensemble=1, precision="auto") -> None:
        self.deblurrer = DeblurPredictor(method=method, weights=deblur_weights, device=device, iterations=iterations, ensemble=ensemble, precision=precision)
        self.predictor = self.deblurrer.trajectory_predictor(weights)

    def __call__(self, job: Job) -> dict:
        img = read_photo(job.src)
        image = to_float(img)
        traj = self.predictor(image)
        sharp = self.deblurrer(image, traj)
        del image
        write_image(job.dest, sharp, bit_depth=img.bit_depth, alpha=img.alpha, icc_profile=img.icc_profile, exif=img.exif)
        return {"input": str(job.src), "output": str(job.dest), "method": self.deblurrer.method, **_stats(traj)}


def reblur_file(sharp: Path, output: Path, *, offsets: Path | None = None, like: Path | None = None, light: str | None = None, weights=None, device="auto") -> None:
    """``blurtrace reblur``: apply saved offsets, or the blur estimated from another photo."""
    img = read_image(sharp)
    x = image_to_tensor(to_float(img))
    if offsets is not None:
        of = load_offsets(offsets)
        off = torch.from_numpy(of.offsets).unsqueeze(0)
        space = light or of.light
    else:
        other = read_photo(like)
        if (other.height, other.width) != (img.height, img.width):
            raise ValueError(f"{like}: is {other.width}×{other.height}, the sharp image {img.width}×{img.height}; sizes must match")
        traj = TrajectoryPredictor(weights=weights, device=device)(to_float(other))
        off = traj.offsets()
        space = light or traj.light
    if off.shape[-2:] != x.shape[-2:]:
        raise ValueError(f"{offsets}: offsets are {off.shape[-1]}×{off.shape[-2]}, the image {x.shape[-1]}×{x.shape[-2]}")
    with torch.no_grad():
        out = reblur(x, off, light=space)
    write_image(output, out[0].permute(1, 2, 0).clamp(0, 1).numpy(), bit_depth=img.bit_depth, icc_profile=img.icc_profile, exif=img.exif)


class VideoJob:
    """``blurtrace video``: deblur once, then warp along the trajectory to K times (Eq. 17)."""

    def __init__(self, *, weights=None, deblur_weights=None, device="auto", method="auto", iterations=30, ensemble=1, precision="auto") -> None:
        self.deblurrer = DeblurPredictor(method=method, weights=deblur_weights, device=device, iterations=iterations, ensemble=ensemble, precision=precision)
        self.predictor = self.deblurrer.trajectory_predictor(weights)

    def __call__(self, src: Path, dest: Path, *, frames: int, fps: float, boomerang=False, reverse=False, side_by_side=False, progress=None) -> dict:
        from ..io.video import probe_video, write_video
        from ..render.frames import trajectory_frames

        img = read_photo(src)
        image = to_float(img)
        traj = self.predictor(image)
        sharp = self.deblurrer(image, traj)
        gen = trajectory_frames(image_to_tensor(sharp), traj.params, traj.constraint, frames, reverse=reverse)
        count = write_video(dest, gen, fps=fps, count=frames, boomerang=boomerang, side_by_side=_uint8(img) if side_by_side else None, progress=progress)
        info = {"input": str(src), "output": str(dest), "frames_written": count, **_stats(traj)}
        try:
            info.update({k: v for k, v in probe_video(dest).items() if k in ("frames", "codec", "pix_fmt", "width", "height", "fps")})
        except (OSError, ValueError):
            pass
        return info
