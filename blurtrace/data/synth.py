"""``blurtrace synth``: blurry/sharp pairs with their true exposure trajectories.

A scene is a background photo plus, for ``dynamic``, foreground sprites; each layer moves by
its own backward map (``motion.py``). The blurry image is the mean of many instant frames in
**linear light** with sub-frame spacing ≤ 1 px (so no ghosting), then noise and 8-bit
quantisation — the physical exposure integral of Eq. 1 rather than the paper's Eq. 3 shortcut.
``light='gamma'`` averages the frames' sRGB values instead, as the GoPro dataset made its blur
(averaging a 240 fps video's gamma-encoded frames): the blur real GoPro-style pairs carry.
The sharp image is the instant frame at ``s = 0``. With ``defocus`` part of the background is
lens-blurred first (``defocus.py``), in the sharp image too. Output (DESIGN §4)::

    OUT/blur/NAME.png  OUT/sharp/NAME.png  OUT/gt/NAME.npz  OUT/frames/NAME.npy

``gt/NAME.npz`` follows the offsets contract (DESIGN §2) at ``gt_times`` times, with
``constraint='none'``, ``light`` the space the frames were averaged in, ``start``/``end`` and an extra ``valid`` mask
(pixels whose blur obeys Eq. 3 exactly: no occlusion change during the exposure).
``frames/NAME.npy`` is ``(T, H, W, 3)`` uint8: the true instant frames at those times.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from ..io import (
    IMAGE_SUFFIXES,
    OffsetsFile,
    atomic_output,
    read_image,
    save_offsets,
    to_float,
    write_image,
)
from ..ops.color import check_light, linear_to_srgb, srgb_to_linear
from ..ops.grid import sample
from ..ops.trajectory import uniform_times
from .defocus import defocus_background
from .motion import (
    FlowMotion,
    RigidMotion,
    check_motion,
    sample_camera,
    sample_flow,
    sample_object_motion,
)

Motion = RigidMotion | FlowMotion


@dataclass(frozen=True)
class SynthConfig:
    """How one synthetic sample is made.

    Attributes:
        height, width: output size in pixels.
        motion: ``flow``, ``camera`` or ``dynamic``.
        max_extent: largest endpoint displacement of the background, pixels (object motion
            in ``dynamic`` may reach 1.5× this).
        noise: largest Gaussian noise σ added to the blurry image (sRGB values in [0, 1]);
            each sample draws σ uniformly in [0, noise].
        gt_times: how many equally spaced times the truth is stored at (odd, ≥ 3).
        max_objects: most foreground sprites in ``dynamic`` scenes.
        photo_scale: range of the downscale applied to the photo before cropping (crisper detail).
        defocus: largest lens-blur radius, pixels, of the background's out-of-focus part (half
            the samples get some; sprites stay in focus); 0 keeps everything in focus and the
            samples exactly as without this option.
        light: the space the instant frames are averaged in: ``linear`` (physical light) or
            ``gamma`` (their sRGB values, as GoPro-style datasets average video frames). Only the
            blurry image changes; the scene, the truth and the sharp image are the same.
    """

    height: int = 256
    width: int = 256
    motion: str = "camera"
    max_extent: float = 12.0
    noise: float = 0.01
    gt_times: int = 9
    max_objects: int = 3
    photo_scale: tuple[float, float] = (0.5, 1.0)
    defocus: float = 0.0
    light: str = "linear"

    def __post_init__(self) -> None:
        check_motion(self.motion)
        check_light(self.light)
        if self.height < 8 or self.width < 8:
            raise ValueError("synthetic images must be at least 8×8 pixels")
        if self.gt_times < 3 or self.gt_times % 2 == 0:
            raise ValueError("gt_times must be odd and ≥ 3 (the middle time is the sharp frame)")
        if not 0 < self.photo_scale[0] <= self.photo_scale[1]:
            raise ValueError("photo_scale must be an increasing pair of positive numbers")
        if not 0 <= self.defocus <= 32:
            raise ValueError("defocus must be a radius between 0 and 32 pixels")


@dataclass(frozen=True)
class Sample:
    """One rendered sample (numpy, sRGB uint8 images)."""

    blurry: np.ndarray  # (H, W, 3) uint8
    sharp: np.ndarray  # (H, W, 3) uint8
    times: np.ndarray  # (T,) float32
    offsets: np.ndarray  # (T, 2, H, W) float32
    frames: np.ndarray  # (T, H, W, 3) uint8
    valid: np.ndarray  # (H, W) bool
    subframes: int
    light: str = "linear"  # the space the blurry image was averaged in


@dataclass(frozen=True)
class _Sprite:
    rgba: torch.Tensor  # (4, H, W) premultiplied linear rgb + alpha, on the canvas
    motion: RigidMotion


def _photo_canvas(photo: np.ndarray, height: int, width: int, rng: np.random.Generator, scale_range: tuple[float, float]) -> np.ndarray:
    """Downscale a photo by a random factor (never below what covers the canvas) and crop."""
    h0, w0 = photo.shape[:2]
    cover = max(height / h0, width / w0)
    scale = max(rng.uniform(*scale_range), cover)
    if abs(scale - 1) > 1e-6:
        interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
        photo = cv2.resize(photo, (max(width, round(w0 * scale)), max(height, round(h0 * scale))), interpolation=interp)
    y = rng.integers(0, photo.shape[0] - height + 1)
    x = rng.integers(0, photo.shape[1] - width + 1)
    crop = photo[y : y + height, x : x + width]
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    return np.ascontiguousarray(crop)


def _blob_mask(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A random smooth closed shape filling most of an ``h × w`` box, anti-aliased, in [0, 1]."""
    angles = np.linspace(0, 2 * np.pi, 64, endpoint=False)
    radius = np.ones_like(angles)
    for k in range(1, 4):
        radius += rng.normal(0, 0.12 / k) * np.cos(k * angles + rng.uniform(0, 2 * np.pi))
    radius = np.clip(radius, 0.5, 1.2) / 1.2
    pts = np.stack([(w - 1) / 2 * (1 + radius * np.cos(angles)), (h - 1) / 2 * (1 + radius * np.sin(angles))], 1)
    mask = np.zeros((h * 4, w * 4), np.uint8)
    cv2.fillPoly(mask, [np.round(pts * 4).astype(np.int32)], 255, lineType=cv2.LINE_AA)
    return cv2.resize(mask, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32) / 255


def _sample_sprites(rng: np.random.Generator, photos: Sequence[np.ndarray], canvas_h: int, canvas_w: int, margin: int, config: SynthConfig) -> list[_Sprite]:
    sprites = []
    for _ in range(rng.integers(1, config.max_objects + 1)):
        side = min(config.height, config.width)
        sh = int(np.clip(rng.uniform(0.2, 0.5) * side, 8, canvas_h))
        sw = int(np.clip(sh * rng.uniform(0.6, 1.6), 8, canvas_w))
        src = photos[rng.integers(len(photos))]
        tex = _photo_canvas(src, sh, sw, rng, config.photo_scale)
        alpha = _blob_mask(rng, sh, sw)
        y = int(rng.integers(margin, max(margin + 1, canvas_h - margin - sh)))
        x = int(rng.integers(margin, max(margin + 1, canvas_w - margin - sw)))
        layer = torch.zeros(4, canvas_h, canvas_w)
        lin = srgb_to_linear(torch.from_numpy(tex).permute(2, 0, 1).float())
        a = torch.from_numpy(alpha)
        layer[:3, y : y + sh, x : x + sw] = lin * a
        layer[3, y : y + sh, x : x + sw] = a
        center = (x + (sw - 1) / 2, y + (sh - 1) / 2)
        motion = sample_object_motion(rng, center, max_extent=1.5 * config.max_extent)
        sprites.append(_Sprite(rgba=layer, motion=motion))
    return sprites


def _instant_frames(bg: torch.Tensor, bg_motion: Motion, sprites: Sequence[_Sprite], times: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Frames (linear light), visible-layer offsets and visible-layer ids at ``times``.

    Returns ``(T, 3, H, W)``, ``(T, 2, H, W)`` and ``(T, H, W)`` (0 = background, k = sprite k).
    """
    _, h, w = bg.shape
    t = times.numel()
    off = bg_motion.offsets(times, h, w)
    frames = sample(bg.unsqueeze(0).expand(t, -1, -1, -1), off)
    layer = torch.zeros(t, h, w, dtype=torch.long)
    for k, sp in enumerate(sprites, start=1):
        sp_off = sp.motion.offsets(times, h, w)
        warped = sample(sp.rgba.unsqueeze(0).expand(t, -1, -1, -1), sp_off)
        a = warped[:, 3:4]
        frames = warped[:, :3] + (1 - a) * frames  # "over" with premultiplied alpha
        on_top = a[:, 0] > 0.5
        off = torch.where(on_top.unsqueeze(1), sp_off, off)
        layer = torch.where(on_top, torch.full_like(layer, k), layer)
    return frames, off, layer


def _path_length(offsets: torch.Tensor) -> float:
    """Longest trajectory, pixels, over ``(T, 2, H, W)`` offsets sampled densely in time."""
    return float((offsets[1:] - offsets[:-1]).norm(dim=1).sum(0).max())


def render_sample(photos: Sequence[np.ndarray], config: SynthConfig, rng: np.random.Generator) -> Sample:
    """Render one sample from float sRGB photos ``(H, W, 3)`` in [0, 1]."""
    h, w = config.height, config.width
    object_extent = 1.5 * config.max_extent if config.motion == "dynamic" else config.max_extent
    margin = int(math.ceil(2.5 * object_extent)) + 4
    ch, cw = h + 2 * margin, w + 2 * margin
    photo = photos[rng.integers(len(photos))]
    bg = srgb_to_linear(torch.from_numpy(_photo_canvas(photo, ch, cw, rng, config.photo_scale)).permute(2, 0, 1).float())
    if config.defocus > 0:
        # its own stream, so the scene (motion, sprites, noise) is the one rendered without defocus
        bg = defocus_background(bg, rng.spawn(1)[0], max_radius=config.defocus)
    if config.motion == "flow":
        bg_motion: Motion = sample_flow(rng, ch, cw, max_extent=config.max_extent)
        sprites: list[_Sprite] = []
    else:
        extent = config.max_extent * (0.6 if config.motion == "dynamic" else 1.0)
        bg_motion = sample_camera(rng, ch, cw, max_extent=extent)
        sprites = _sample_sprites(rng, photos, ch, cw, margin, config) if config.motion == "dynamic" else []

    # enough sub-frames that consecutive ones are ≤ 1 px apart everywhere (no ghosting)
    probe = uniform_times(33)
    # path lengths vary smoothly over the image: a coarse grid finds the longest
    longest = max(_path_length(m.offsets(probe, ch, cw, stride=8)) for m in [bg_motion, *(s.motion for s in sprites)])
    subframes = max(17, int(math.ceil(longest)) + 2)
    subframes += 1 - subframes % 2  # odd, so s = 0 is one of them
    total = torch.zeros(3, ch, cw)
    times = uniform_times(subframes)
    # Eq. 1 in the chosen space: linear light, or the frames' sRGB values (GoPro's averaging)
    encode = (lambda f: linear_to_srgb(f.clamp(0, 1))) if config.light == "gamma" else (lambda f: f)
    for chunk in times.split(16):
        total += encode(_instant_frames(bg, bg_motion, sprites, chunk)[0]).sum(0)
    mean = total / subframes

    gt_times = uniform_times(config.gt_times)
    frames, offsets, layers = _instant_frames(bg, bg_motion, sprites, gt_times)
    sharp_lin = frames[config.gt_times // 2]
    valid = _valid_mask(bg_motion, sprites, ch, cw)

    crop = (slice(None), slice(margin, margin + h), slice(margin, margin + w))
    sigma = rng.uniform(0, config.noise)
    blurry = (mean if config.light == "gamma" else linear_to_srgb(mean.clamp(0, 1)))[crop]
    blurry = blurry + torch.from_numpy(rng.normal(0, 1, size=blurry.shape).astype(np.float32)) * sigma
    return Sample(
        blurry=_to_uint8(blurry),
        sharp=_to_uint8(linear_to_srgb(sharp_lin.clamp(0, 1))[crop]),
        times=gt_times.numpy().astype(np.float32),
        offsets=offsets[:, :, margin : margin + h, margin : margin + w].numpy().astype(np.float32),
        frames=np.stack([_to_uint8(linear_to_srgb(f.clamp(0, 1))[crop]) for f in frames]),
        valid=valid[margin : margin + h, margin : margin + w].numpy(),
        subframes=subframes,
        light=config.light,
    )


def _valid_mask(bg_motion: Motion, sprites: Sequence[_Sprite], h: int, w: int, checks: int = 17) -> torch.Tensor:
    """Pixels where Eq. 3 holds exactly: the visible layer never changes during the exposure
    and its source point in the sharp frame shows the same layer (no (dis)occlusion)."""
    if not sprites:
        return torch.ones(h, w, dtype=torch.bool)
    times = uniform_times(checks)
    _, off, layer = _instant_frames(torch.zeros(3, h, w), bg_motion, sprites, times)
    sharp_layer = layer[checks // 2].float()
    onehot = F.one_hot(sharp_layer.long(), len(sprites) + 1).permute(2, 0, 1).float()
    seen = sample(onehot.unsqueeze(0).expand(checks, -1, -1, -1), off)  # (T, K+1, H, W)
    src_layer = seen.argmax(1)
    same = (src_layer == layer) & (seen.max(1).values > 0.99)
    return same.all(0) & (layer == layer[:1]).all(0)


def _to_uint8(chw: torch.Tensor) -> np.ndarray:
    return (chw.clamp(0, 1) * 255 + 0.5).to(torch.uint8).permute(1, 2, 0).numpy()


def list_photos(photos_dir: Path) -> list[Path]:
    """Image files under ``photos_dir`` (recursive, hidden files skipped), sorted."""
    paths = [p for p in sorted(Path(photos_dir).rglob("*")) if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not any(part.startswith(".") for part in p.relative_to(photos_dir).parts)]
    if not paths:
        raise FileNotFoundError(f"{photos_dir}: no photos found")
    return paths


def load_photos(paths: Sequence[Path], *, max_side: int = 2048) -> list[np.ndarray]:
    """Read photos as float32 sRGB ``(H, W, 3)``, downscaled so the long side ≤ ``max_side``."""
    out = []
    for p in paths:
        img = to_float(read_image(p))
        scale = max_side / max(img.shape[:2])
        if scale < 1:
            img = cv2.resize(img, (round(img.shape[1] * scale), round(img.shape[0] * scale)), interpolation=cv2.INTER_AREA)
        out.append(img)
    return out


def sample_paths(out_dir: Path, name: str) -> dict[str, Path]:
    """Where sample ``name`` lives in a synth dataset (DESIGN §4)."""
    return {
        "blur": out_dir / "blur" / f"{name}.png",
        "sharp": out_dir / "sharp" / f"{name}.png",
        "gt": out_dir / "gt" / f"{name}.npz",
        "frames": out_dir / "frames" / f"{name}.npy",
    }


def write_sample(out_dir: Path, name: str, sample: Sample) -> None:
    """Write one sample; every file is atomic and the blurry image goes last, so a present
    blurry image means a complete sample (what ``synthesize`` resumes on)."""
    paths = sample_paths(out_dir, name)
    for p in paths.values():
        p.parent.mkdir(parents=True, exist_ok=True)
    write_image(paths["sharp"], sample.sharp)
    save_offsets(
        paths["gt"],
        OffsetsFile(
            offsets=sample.offsets,
            times=sample.times,
            start=sample.offsets[0],
            end=sample.offsets[-1],
            constraint="none",
            light=sample.light,
        ),
        extra={"valid": sample.valid},
    )
    with atomic_output(paths["frames"]) as tmp:
        with open(tmp, "wb") as f:
            np.save(f, sample.frames)
    write_image(paths["blur"], sample.blurry)


def synthesize(
    photos_dir: Path,
    out_dir: Path,
    *,
    count: int,
    config: SynthConfig,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Render ``count`` samples into ``out_dir``; returns how many were rendered now.

    Sample ``i`` depends only on ``(seed, i)`` and the photo list, so a run can be resumed
    (complete samples are skipped) or extended with a larger ``count``.
    """
    photos = load_photos(list_photos(photos_dir))
    made = 0
    for i in range(count):
        name = f"{i:05d}"
        if not sample_paths(out_dir, name)["blur"].exists():
            rng = np.random.default_rng([seed, i])
            write_sample(out_dir, name, render_sample(photos, config, rng))
            made += 1
        if progress is not None:
            progress(i + 1)
    return made
