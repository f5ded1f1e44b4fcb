"""Training the trajectory network: self-supervised reblurring (Eq. 6–11) plus, on synthetic
data, the true trajectory. Resumable, logs quality against CPU time, DDP under ``torchrun``."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import torch

from ..data.datasets import PairedImages, find_pairs
from ..evaluation.scoring import score_trajectory
from ..inference.precision import autocast
from ..models.end_to_end import TrajectoryDeblurNet
from ..models.offset_net import OffsetNet, OffsetNetConfig
from ..ops.color import check_light
from ..ops.trajectory import trajectory, uniform_times
from .common import TrainingRun, check_run_fields, load_start_weights
from .losses import LossWeights, trajectory_training_loss


@dataclass(frozen=True)
class TrajectoryTrainConfig:
    """Everything one training run depends on (saved in every checkpoint).

    The paper: Adam 1e-4 decayed linearly to 0, N = 15, λ as in ``LossWeights``. On two CPU
    cores a short warm-up and a higher peak rate learn far more per step (see README).
    ``init`` names trajectory weights (safetensors) a new run starts from instead of random
    ones, e.g. the shipped model fine-tuned on one's own pairs. ``precision`` ``bf16`` runs the
    network's forward pass under bfloat16 autocast (its output is bfloat16-rounded, as at run time
    in bf16); the trajectories, the blur model and the loss are computed in float32.
    """

    data: str
    out: str
    model: OffsetNetConfig = OffsetNetConfig(head="bilinear")
    steps: int = 20_000
    batch_size: int = 8
    crop: int = 128
    lr: float = 5e-4
    schedule: str = "linear"
    warmup: int = 200
    light: str = "linear"
    weights: LossWeights = LossWeights()
    seed: int = 0
    checkpoint_every: int = 250
    log_every: int = 50
    val: str | None = None
    val_every: int = 1000
    val_limit: int = 16
    refresh_every: int = 500
    init: str | None = None
    precision: str = "fp32"
    guide: str | None = None

    def __post_init__(self) -> None:
        check_light(self.light)
        check_run_fields(self)
        if self.model.guided != (self.guide is not None):
            raise ValueError("a guided offset network needs guide (deblurring weights), and guide needs a guided network")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "TrajectoryTrainConfig":
        d = dict(d)
        d["model"] = OffsetNetConfig(**d["model"])
        d["weights"] = LossWeights(**d["weights"])
        return cls(**d)


@dataclass(frozen=True)
class TrainOutcome:
    checkpoint: Path
    model: OffsetNet  # this process's replica (identical on every rank under DDP)
    step: int


FIRST_CONV = "level1.0.weight"  # the convolution that reads the (space-to-depth) input


def sharp_estimate_input(deblur_weights: str, *, device: torch.device) -> Callable[[torch.Tensor], torch.Tensor]:
    """``(B, 3, H, W)`` blurry → ``(B, 6, H, W)``: the photo and the frozen deblurring network's
    estimate of it (along its own trajectory network's estimate), the input of a guided network."""
    from ..inference.predictors import DeblurPredictor

    predictor = DeblurPredictor(method="net", weights=deblur_weights, device=str(device))
    offsets = predictor.trajectory_predictor().model
    net = TrajectoryDeblurNet(offsets=offsets, deblur=predictor.model).requires_grad_(False)

    @torch.no_grad()
    def fn(blurry: torch.Tensor) -> torch.Tensor:
        with autocast(predictor.precision, device):
            sharp = net(blurry.contiguous(memory_format=torch.channels_last))[0].float()
        return torch.cat((blurry, sharp.clamp(0, 1).contiguous()), 1)

    return fn


def _val_key(scores: dict) -> float:
    """Lower is better: trajectory EPE where truth exists, else negative reblur PSNR."""
    return scores.get("epe", -scores["reblur_psnr"])


def validate(model: OffsetNet, data: PairedImages, *, light: str, limit: int, device: torch.device,
             guide: Callable[[torch.Tensor], torch.Tensor] | None = None) -> dict[str, float]:
    """Mean figures over the first ``limit`` validation images (whole images, no crops);
    a guided network reads ``guide(blurry)`` beside each."""
    model.eval()
    cfg = model.config
    sums: dict[str, float] = {}
    n = min(limit, len(data))
    with torch.no_grad():
        for i in range(n):
            b = data.blurry[i].unsqueeze(0).float().div(255).to(device)
            s = data.sharp[i].unsqueeze(0).float().div(255).to(device)
            t = data.true[i]
            scores = score_trajectory(
                model(b if guide is None else guide(b)), constraint=cfg.constraint, n_offsets=cfg.n_offsets, blurry=b, sharp=s, light=light,
                true=None if t is None else t.unsqueeze(0).float().to(device),
                true_times=None if data.times is None else data.times.to(device),
            )
            for k, v in scores.items():
                sums[k] = sums.get(k, 0.0) + v
    model.train()
    return {k: v / n for k, v in sums.items()}


def train_trajectory(
    config: TrajectoryTrainConfig,
    *,
    device: torch.device,
    resume: bool = True,
    progress: Callable[[int, int, dict], None] | None = None,
    stop_after: int | None = None,
) -> TrainOutcome:
    """Train (or resume); returns the checkpoint path, this replica's model and the step reached.

    ``stop_after`` ends this call after that many steps without touching the schedule, so a
    long run can be done in slices (one per session) that add up to ``config.steps``.
    """
    run = TrainingRun(config, lambda: OffsetNet(config.model), config_type=TrajectoryTrainConfig, device=device, resume=resume,
                      stop_after=stop_after, progress=progress)
    if config.init and run.state.step == 0:
        # a guided network grows from a blind one: the sharp estimate's inputs start at zero; the
        # input scale changes no tensor, only the photo's resolution, so it may differ from the start's
        load_start_weights(run.model, task="trajectory", weights=config.init, config_type=OffsetNetConfig, expected=config.model,
                           free=("guided", "input_scale"), widen=lambda name: config.model.guided and name == FIRST_CONV)
    device = run.device
    guide = None if config.guide is None else sharp_estimate_input(config.guide, device=device)
    data = PairedImages(find_pairs(Path(config.data)))
    val = PairedImages(find_pairs(Path(config.val))[: config.val_limit]) if config.val else None
    n_times = uniform_times(config.model.n_offsets, device=device)
    for rng in run.steps():
        batch = data.batch(rng, config.batch_size, config.crop).to(device)
        with autocast(config.precision, device):
            params = run.ddp(batch.blurry if guide is None else guide(batch.blurry))
        params = params.float()  # bfloat16-rounded under bf16; the trajectory, blur model and loss run in float32
        offsets = trajectory(params, config.model.constraint, n_times)
        pred_true = None if batch.true is None else trajectory(params, config.model.constraint, batch.times)
        terms = trajectory_training_loss(
            blurry=batch.blurry, sharp=batch.sharp, offsets=offsets, weights=config.weights, light=config.light,
            true_offsets=batch.true, pred_at_true_times=pred_true,
        )
        run.optimizer.zero_grad(set_to_none=True)
        terms["total"].backward()
        run.optimizer.step()
        run.stepped({k: float(v.detach()) for k, v in terms.items()})
        if run.validation_due(val is not None):
            run.validated(validate(run.model, val, light=config.light, limit=config.val_limit, device=device, guide=guide), key=_val_key)
        if run.state.step % config.refresh_every == 0:
            # pick up pairs a concurrent `blurtrace synth` has finished since: a pair counts once
            # its blurry image (written last) exists; ranks may differ here, harmlessly, since
            # each draws its own crops
            data.add(find_pairs(Path(config.data)))
        run.checkpoint_if_due()
    run.close()
    return TrainOutcome(checkpoint=run.checkpoint, model=run.model, step=run.state.step)
