"""Predictors: numpy/PIL images in, results out; models see only tensors.

A predictor loads verified weights once (``weights.resolve``), picks the device, and tiles
large photos so that memory depends on the tile size, not the photo.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .device import resolve_device
from .io import OffsetsFile
from .models.offset_net import OffsetNet, OffsetNetConfig
from .ops.trajectory import endpoints, trajectory, uniform_times
from .tiling import tiled_apply
from .weights import WeightsError, resolve


def image_to_tensor(image: np.ndarray) -> torch.Tensor:
    """``(H, W, 3)`` uint8/uint16/float in [0, 1] → ``(1, 3, H, W)`` float32."""
    arr = np.asarray(image)
    if arr.ndim != 3 or arr.shape[2] != 3:
        raise ValueError(f"expected an H×W×3 RGB image, got shape {arr.shape}")
    if arr.dtype == np.uint8:
        arr = arr.astype(np.float32) / 255
    elif arr.dtype == np.uint16:
        arr = arr.astype(np.float32) / 65535
    return torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float32)).permute(2, 0, 1).unsqueeze(0)


@dataclass(frozen=True)
class Trajectories:
    """Raw trajectory parameters of one photo, readable at any exposure time."""

    params: torch.Tensor  # (1, C, H, W) float32, CPU
    constraint: str
    n_offsets: int
    light: str

    def offsets(self, times=None) -> torch.Tensor:
        """``(1, T, 2, H, W)`` offsets at ``times`` (default: the model's N uniform times)."""
        t = uniform_times(self.n_offsets) if times is None else torch.as_tensor(times, dtype=torch.float32)
        return trajectory(self.params, self.constraint, t)

    def to_file(self, n: int | None = None) -> OffsetsFile:
        """The offsets contract (DESIGN §2) at ``n`` uniform times (default: the model's N)."""
        times = uniform_times(n or self.n_offsets)
        start, end = (e[0].numpy() for e in endpoints(self.params, self.constraint))
        constrained = self.constraint != "none"
        return OffsetsFile(
            offsets=self.offsets(times)[0].numpy().astype(np.float32),
            times=times.numpy().astype(np.float32),
            start=start.astype(np.float32) if constrained else None,
            end=end.astype(np.float32) if constrained else None,
            constraint=self.constraint,
            light=self.light,
        )


class TrajectoryPredictor:
    """Estimate exposure trajectories of photos with the shipped (or given) weights."""

    def __init__(self, *, weights: str | Path | None = None, device: str = "auto", tile: int = 1024, overlap: int = 128) -> None:
        tensors, info, self.weights_path = resolve("trajectory", weights)
        try:
            config = OffsetNetConfig(**info["architecture"])
        except (KeyError, TypeError, ValueError) as e:
            raise WeightsError(f"{self.weights_path}: metadata does not describe an offset network ({e})") from e
        self.device = resolve_device(device)
        self.model = OffsetNet(config)
        try:
            self.model.load_state_dict(tensors)
        except RuntimeError as e:
            raise WeightsError(f"{self.weights_path}: tensors do not fit the described network") from e
        self.model.eval().to(self.device)
        self.config = config
        self.light = info.get("light", "linear")
        self.tile, self.overlap = tile, overlap

    @torch.inference_mode()
    def __call__(self, image: np.ndarray, *, progress=None) -> Trajectories:
        x = image_to_tensor(image)
        params = tiled_apply(lambda t: self.model(t.to(self.device)), x, out_channels=self.config.out_channels, tile=self.tile, overlap=self.overlap, progress=progress)
        return Trajectories(params=params, constraint=self.config.constraint, n_offsets=self.config.n_offsets, light=self.light)
