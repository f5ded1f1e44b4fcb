"""Paired blurry/sharp training data held in memory, with exact geometric augmentation.

Layouts (DESIGN §4): GoPro ``ROOT/**/blur/NAME.png`` + ``ROOT/**/sharp/NAME.png`` (and, from
``synth``, ``gt/NAME.npz`` with the true trajectory), or side-by-side ``[blur | sharp]`` PNGs.
Two CPU cores cannot afford a decoding worker beside the training step, so every pair is
decoded once into memory and batches are cut from there.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from ..io import IMAGE_SUFFIXES, load_offsets, read_image, to_bit_depth
from ..ops.symmetry import Mirror, mirror_image, mirror_vectors

LAYOUTS: tuple[str, ...] = ("auto", "gopro", "side-by-side")


@dataclass(frozen=True)
class PairPaths:
    blur: Path
    sharp: Path | None  # None: side-by-side file holding both
    gt: Path | None = None


def find_pairs(root: Path, *, layout: str = "auto") -> list[PairPaths]:
    """Pairs under ``root``; ``auto`` uses the GoPro layout when any ``blur/`` folder exists."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, not {layout!r}")
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: not a folder")
    images = sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and not any(part.startswith(".") for part in p.relative_to(root).parts))
    blur = [p for p in images if p.parent.name == "blur"]
    if layout == "gopro" or (layout == "auto" and blur):
        pairs = []
        for b in blur:
            sharp = b.parent.parent / "sharp" / b.name
            if not sharp.exists():
                continue
            gt = b.parent.parent / "gt" / (b.stem + ".npz")
            pairs.append(PairPaths(blur=b, sharp=sharp, gt=gt if gt.exists() else None))
    else:
        pairs = [PairPaths(blur=p, sharp=None) for p in images]
    if not pairs:
        raise FileNotFoundError(f"{root}: no blurry/sharp pairs found (layout {layout})")
    return pairs


def _to_chw(arr: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.array(arr, copy=True)).permute(2, 0, 1).contiguous()


@dataclass
class Batch:
    """``blurry``/``sharp`` ``(B, 3, h, w)`` float in [0, 1]; ``true`` ``(B, T, 2, h, w)`` or None;
    ``motion`` the attached trajectory parameters ``(B, C, h, w)`` (see ``attach_motion``) or None."""

    blurry: torch.Tensor
    sharp: torch.Tensor
    true: torch.Tensor | None
    times: torch.Tensor | None
    motion: torch.Tensor | None = None

    def to(self, device: torch.device) -> "Batch":
        move = lambda t: None if t is None else t.to(device, non_blocking=True)  # noqa: E731
        return Batch(move(self.blurry), move(self.sharp), move(self.true), move(self.times), move(self.motion))


class PairedImages:
    """All pairs of a folder in memory (uint8 images, float16 truth) and random crops of them."""

    def __init__(self, pairs: Sequence[PairPaths], *, progress=None) -> None:
        self.blurry: list[torch.Tensor] = []
        self.sharp: list[torch.Tensor] = []
        self.true: list[torch.Tensor | None] = []
        self.times: torch.Tensor | None = None
        self.motion: list[torch.Tensor] | None = None
        self.paths: set[Path] = set()
        self.add(pairs, progress=progress)

    def add(self, pairs: Sequence[PairPaths], *, progress=None) -> int:
        """Load the pairs not loaded yet (a dataset still being rendered can grow); returns how many."""
        new = [p for p in pairs if p.blur not in self.paths]
        for i, pair in enumerate(new):
            b = to_bit_depth(read_image(pair.blur).pixels, 8)
            if pair.sharp is None:
                half = b.shape[1] // 2
                b, s = b[:, :half], b[:, half : 2 * half]
            else:
                s = to_bit_depth(read_image(pair.sharp).pixels, 8)
            if b.shape != s.shape:
                raise ValueError(f"{pair.blur}: blurry and sharp sizes differ")
            self.blurry.append(_to_chw(b))
            self.sharp.append(_to_chw(s))
            if pair.gt is not None:
                of = load_offsets(pair.gt)
                self.true.append(torch.from_numpy(of.offsets).half())
                self.times = torch.from_numpy(of.times)
            else:
                self.true.append(None)
            self.paths.add(pair.blur)
            if progress is not None:
                progress(i + 1)
        self.has_truth = all(t is not None for t in self.true)
        return len(new)

    def __len__(self) -> int:
        return len(self.blurry)

    def attach_motion(self, params: Sequence[torch.Tensor]) -> None:
        """Give every pair the trajectory parameters ``(C, h, w)`` of its blurry image (e.g. a
        frozen offset network's), cropped and mirrored with it in every batch. Any constraint's
        parameters are ``(Δx, Δy)`` pairs, so they transform like the true trajectory."""
        if len(params) != len(self):
            raise ValueError(f"{len(params)} parameter maps for {len(self)} pairs")
        self.motion = []
        for p, b in zip(params, self.blurry):
            if p.dim() != 3 or p.shape[0] % 2 or p.shape[-2:] != b.shape[-2:]:
                raise ValueError(f"parameters must be (2k, h, w) like their image, got {tuple(p.shape)}")
            self.motion.append(p.reshape(p.shape[0] // 2, 2, *p.shape[-2:]).half())

    def batch(self, rng: np.random.Generator, size: int, crop: int) -> Batch:
        """``size`` random crops with random flips/transposes (exact symmetries of Eq. 3)."""
        bl, sh, tr, mo = [], [], [], []
        for _ in range(size):
            i = int(rng.integers(len(self)))
            b, s, t = self.blurry[i], self.sharp[i], self.true[i]
            m = None if self.motion is None else self.motion[i]
            h, w = b.shape[-2:]
            ch, cw = min(crop, h), min(crop, w)
            y, x = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
            b, s = b[:, y : y + ch, x : x + cw], s[:, y : y + ch, x : x + cw]
            t = None if t is None else t[..., y : y + ch, x : x + cw].float()
            m = None if m is None else m[..., y : y + ch, x : x + cw].float()
            b, s, t, m = augment(b, s, t, m, flip_x=rng.random() < 0.5, flip_y=rng.random() < 0.5, transpose=ch == cw and rng.random() < 0.5)
            bl.append(b)
            sh.append(s)
            tr.append(t)
            mo.append(None if m is None else m.flatten(0, 1))
        true = torch.stack(tr) if self.has_truth else None
        motion = None if self.motion is None else torch.stack(mo)
        return Batch(torch.stack(bl).float() / 255, torch.stack(sh).float() / 255, true, self.times if self.has_truth else None, motion)


def _mirror_field(field: torch.Tensor | None, mirror: Mirror) -> torch.Tensor | None:
    return None if field is None else mirror_vectors(field, mirror).contiguous()


def augment(blurry: torch.Tensor, sharp: torch.Tensor, *fields: torch.Tensor | None, flip_x: bool, flip_y: bool, transpose: bool):
    """Flip/transpose images ``(3, h, w)`` and vector fields ``(T, 2, h, w)`` (the trajectory,
    its parameters) consistently: mirroring the image mirrors the motion, so Δx (or Δy) changes
    sign. Returns ``(blurry, sharp, *fields)``."""
    mirror = (flip_x, flip_y, transpose)
    blurry, sharp = mirror_image(blurry, mirror), mirror_image(sharp, mirror)
    mirrored = (_mirror_field(f, mirror) for f in fields)
    return (blurry.contiguous(), sharp.contiguous(), *mirrored)
