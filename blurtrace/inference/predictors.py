"""Predictors: numpy/PIL images in, results out; models see only tensors.

A predictor loads verified weights once (``weights.resolve``), picks the device, and tiles
large photos so that memory depends on the tile size, not the photo.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..device import resolve_device
from ..io import OffsetsFile, to_float
from ..models.deblur_net import DeblurNet, DeblurNetConfig
from ..models.offset_net import OffsetNet, OffsetNetConfig
from ..ops.trajectory import endpoints, trajectory, uniform_times
from ..weights import WeightsError, resolve
from .ensemble import check_ensemble, ensemble_deblur, ensemble_trajectory
from .precision import autocast, resolve_precision
from .tiling import tiled_apply


def image_to_tensor(image: np.ndarray) -> torch.Tensor:
    """``(H, W, 3)`` uint8/uint16/float in [0, 1] → ``(1, 3, H, W)`` float32."""
    arr = np.asarray(image)
    if arr.ndim != 3 or arr.shape[2] != 3:
        raise ValueError(f"expected an H×W×3 RGB image, got shape {arr.shape}")
    if arr.dtype in (np.uint8, np.uint16):
        arr = to_float(arr)
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

    def at(self, rows: np.ndarray, cols: np.ndarray, times=None) -> np.ndarray:
        """Offsets ``(T, 2, P)`` at the ``P`` pixels ``(rows[i], cols[i])`` only."""
        t = uniform_times(self.n_offsets) if times is None else torch.as_tensor(times, dtype=torch.float32)
        p = self.params[0][:, torch.as_tensor(rows), torch.as_tensor(cols)]  # (C, P)
        return trajectory(p[None, :, :, None], self.constraint, t)[0, :, :, :, 0].numpy()

    def magnitude(self, times=None, *, stride: int = 1, rows: int = 256) -> np.ndarray:
        """Trajectory length per pixel (``render.overlay.blur_magnitude``), ``(H/stride, W/stride)``,
        computed a band of rows at a time: never all offsets of a large photo at once."""
        from ..render.overlay import blur_magnitude

        t = uniform_times(self.n_offsets) if times is None else torch.as_tensor(times, dtype=torch.float32)
        params = self.params[..., ::stride, ::stride]
        bands = [blur_magnitude(trajectory(params[..., y : y + rows, :], self.constraint, t)[0].numpy()) for y in range(0, params.shape[-2], rows)]
        return np.concatenate(bands, axis=0) if bands else np.zeros((0, params.shape[-1]), np.float32)

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


def _load_model(task: str, weights, config_type, model_type, what: str, device: torch.device):
    """Verified weights → the network their metadata describes, in eval mode on ``device``;
    returns it, the metadata and the file. Any mismatch is a ``WeightsError``."""
    tensors, info, path = resolve(task, weights)
    try:
        config = config_type(**info["architecture"])
    except (KeyError, TypeError, ValueError) as e:
        raise WeightsError(f"{path}: metadata does not describe {what} ({e})") from e
    model = model_type(config)
    try:
        model.load_state_dict(tensors)
    except RuntimeError as e:
        raise WeightsError(f"{path}: tensors do not fit the described network") from e
    return model.eval().to(device, memory_format=torch.channels_last), info, path


def _network_input(x: torch.Tensor, device: torch.device) -> torch.Tensor:
    """A tile on its way into a network: on ``device``, channels-last like the network's
    weights (oneDNN's native layout: the networks run ≈ 30 % faster on a CPU than with NCHW)."""
    return x.to(device, memory_format=torch.channels_last)


class TrajectoryPredictor:
    """Estimate exposure trajectories of photos with the shipped (or given) weights.

    ``ensemble``: average over 1, 2, 4 or 8 mirrors of the photo (test-time ensembling;
    that many times the work). ``precision``: the network's arithmetic, ``auto``, ``fp32`` or
    ``bf16`` (``blurtrace.inference.precision``); the trajectories come out in float32 either way.

    Guided weights (``OffsetNetConfig.guided``) name the deblurring weights they read (metadata
    ``guide``): the photo is traced by the default blind network, deblurred along that, and the
    guided network traces it again from the photo and its deblurred estimate (the time of a
    whole ``deblur`` on top of two blind estimates)."""

    def __init__(self, *, weights: str | Path | None = None, device: str = "auto", tile: int = 1024, overlap: int = 128, ensemble: int = 1,
                 precision: str = "auto") -> None:
        self.ensemble = check_ensemble(ensemble)
        self.device = resolve_device(device)
        self.precision = resolve_precision(precision, self.device)
        self.model, info, self.weights_path = _load_model("trajectory", weights, OffsetNetConfig, OffsetNet, "an offset network", self.device)
        self.config = self.model.config
        self.light = info.get("light", "linear")
        self.tile, self.overlap = tile, overlap
        self.sharp_estimate: DeblurPredictor | None = None
        self.first_estimate: TrajectoryPredictor | None = None
        if self.config.guided:
            if not info.get("guide"):
                raise WeightsError(f"{self.weights_path}: a guided trajectory network that does not name its deblurring weights (metadata 'guide')")
            self.sharp_estimate = DeblurPredictor(method="net", weights=info["guide"], device=str(self.device), tile=tile, ensemble=ensemble, precision=precision)
            self.first_estimate = self.sharp_estimate.trajectory_predictor()
            if self.first_estimate.config.guided:
                raise WeightsError(f"{self.weights_path}: its deblurring weights {info['guide']} read a guided trajectory network themselves")

    def __call__(self, image: np.ndarray, *, progress=None) -> Trajectories:
        if self.sharp_estimate is None:
            return self._trace(image_to_tensor(image), progress=progress)
        sharp = self.sharp_estimate(image, self.first_estimate(image))
        return self._trace(torch.cat((image_to_tensor(image), image_to_tensor(sharp)), 1), progress=progress)

    @torch.inference_mode()
    def _trace(self, x: torch.Tensor, *, progress=None) -> Trajectories:
        def fn(t: torch.Tensor) -> torch.Tensor:
            with autocast(self.precision, self.device):
                return ensemble_trajectory(lambda m: self.model(_network_input(m, self.device)).float(), t, constraint=self.config.constraint, size=self.ensemble)

        params = tiled_apply(fn, x, out_channels=self.config.out_channels, tile=self.tile, overlap=self.overlap, progress=progress)
        return Trajectories(params=params, constraint=self.config.constraint, n_offsets=self.config.n_offsets, light=self.light)


DEBLUR_METHODS: tuple[str, ...] = ("net", "deconv")


def choose_deblur_method(method: str, weights: str | Path | None = None) -> str:
    """``auto`` → ``net`` when deblurring weights are given or shipped, else ``deconv``."""
    if method != "auto":
        return method
    if weights is not None:
        return "net"
    from ..weights import default_entry

    try:
        default_entry("deblur")
    except WeightsError:
        return "deconv"
    return "net"


class DeblurPredictor:
    """Deblur a photo along its estimated trajectories.

    ``net``: the deblurring network (shipped or given weights); ``deconv``: model-based
    deconvolution of the blur model (no weights, slower; for blur the network never saw);
    ``auto``: ``net`` if there are deblurring weights, else ``deconv``.
    Works tile by tile, so memory depends on ``tile``, not on the photo. ``ensemble``: average
    the network over 1, 2, 4 or 8 mirrors of the photo (that many times the work; ``net`` only,
    and the trajectory predictor it makes uses the same). ``precision``: the networks'
    arithmetic, ``auto``, ``fp32`` or ``bf16`` (``blurtrace.inference.precision``; deconvolution itself
    always runs in float32, its trajectory network follows ``precision``).
    """

    def __init__(self, *, method: str = "auto", weights: str | Path | None = None, device: str = "auto",
                 iterations: int = 30, tile: int | None = None, overlap: int = 64, ensemble: int = 1, precision: str = "auto") -> None:
        method = choose_deblur_method(method, weights)
        if method not in DEBLUR_METHODS:
            raise ValueError(f"method must be auto or one of {', '.join(DEBLUR_METHODS)}, not {method!r}")
        # measured: a 24 MP photo peaks at 2.7 GB with 1024² network tiles; deconvolution keeps
        # N warped copies and their gradients per iteration, so it gets smaller tiles
        self.method, self.iterations, self.overlap = method, iterations, overlap
        self.ensemble = check_ensemble(ensemble)
        self.tile = tile or (1024 if method == "net" else 768)
        self.device = resolve_device(device)
        # the networks' arithmetic (blurtrace/inference/precision.py); deconvolution always runs in float32,
        # the trajectory network it reads follows the request whatever the method
        self.trajectory_precision = resolve_precision(precision, self.device)
        self.precision = self.trajectory_precision if method == "net" else "fp32"
        self.model: DeblurNet | None = None
        self.weights_path: Path | None = None
        # the trajectory weights this network was fine-tuned with (None: any, the default)
        self.trajectory_weights: Path | None = None
        if method == "net":
            self.model, info, self.weights_path = _load_model("deblur", weights, DeblurNetConfig, DeblurNet, "a deblurring network", self.device)
            if info.get("trajectory_model"):
                self.trajectory_weights = self.weights_path.parent / info["trajectory_model"]

    def trajectory_predictor(self, weights: str | Path | None = None) -> TrajectoryPredictor:
        """The trajectory estimator to pair with this deblurrer: ``weights`` if given, else the
        network it was fine-tuned with, else the default."""
        return TrajectoryPredictor(weights=weights if weights is not None else self.trajectory_weights, device=str(self.device), ensemble=self.ensemble,
                                   precision=self.trajectory_precision)

    def __call__(self, image: np.ndarray, traj: Trajectories, *, progress=None) -> np.ndarray:
        """``image`` ``(H, W, 3)`` in [0, 1] and its trajectories → ``(H, W, 3)`` float32 in [0, 1]."""
        x = image_to_tensor(image)
        if self.model is not None:
            cfg = self.model.config
            if cfg.reads_trajectory and (cfg.constraint, cfg.trajectory_channels) != (traj.constraint, traj.params.shape[1]):
                raise WeightsError(f"{self.weights_path}: expects {cfg.constraint} trajectories, the trajectory model gives {traj.constraint}")

            def net(t: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
                return self.model(_network_input(t, self.device), _network_input(p, self.device))

            def fn(t: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
                with torch.no_grad(), autocast(self.precision, self.device):  # not inference mode: the result is clamped in place below
                    return ensemble_deblur(net, t, p, size=self.ensemble)
        else:
            from ..ops.deconv import deconvolve

            times = uniform_times(traj.n_offsets, device=self.device)

            def fn(t: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
                # deconvolution takes its adjoint from autograd: no inference mode here
                offsets = trajectory(p.to(self.device), traj.constraint, times)
                return deconvolve(t.to(self.device), offsets, iterations=self.iterations).detach()

        out = tiled_apply(fn, x, traj.params, out_channels=3, tile=self.tile, overlap=self.overlap, progress=progress)
        del x
        return out[0].clamp_(0, 1).permute(1, 2, 0).numpy()
