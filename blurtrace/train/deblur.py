"""Training the deblurring network on blurry/sharp pairs, with the trajectories of a frozen
offset network or one fine-tuned along with it. Resumable, logs quality against CPU time, DDP
under ``torchrun``."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import torch

from ..data.datasets import PairedImages, find_pairs
from ..evaluation.metrics import psnr
from ..inference.precision import autocast
from ..inference.predictors import TrajectoryPredictor
from ..models.deblur_net import DeblurNet, DeblurNetConfig
from ..models.end_to_end import TrajectoryDeblurNet
from ..ops.trajectory import trajectory, uniform_times
from .common import TrainingRun, check_run_fields, load_start_weights
from .losses import LossWeights, trajectory_training_loss


@dataclass(frozen=True)
class DeblurTrainConfig:
    """Everything one deblurring run depends on (saved in every checkpoint).

    ``trajectory_weights`` names the frozen offset network whose estimates the motion-aware
    layers read (``None``: the shipped default); training on *estimated* rather than true
    trajectories teaches the network the estimates it will get at run time.

    ``trajectory_lr_factor`` 0 keeps that network frozen (its estimates computed once per
    photo); above 0 it is fine-tuned with the deblurring loss at that fraction of ``lr``, and
    ``trajectory_loss`` weights its own training loss (Eq. 11 plus the true trajectory where
    the data has it), which keeps the fine-tuned offsets a physical blur model.

    ``init`` names deblurring weights (safetensors) a new run starts from instead of random
    ones: continuing a shipped model, frozen or fine-tuned, from the same point.

    ``precision`` ``bf16`` runs the networks' forward pass under bfloat16 autocast (weights,
    optimizer state, loss and validation stay float32): 1.5× faster steps on a CPU with native
    bfloat16 (``python benchmarks/train_speed.py``), emulated and slower elsewhere.
    """

    data: str
    out: str
    model: DeblurNetConfig = DeblurNetConfig()
    trajectory_weights: str | None = None
    steps: int = 8_000
    batch_size: int = 8
    crop: int = 96
    lr: float = 5e-4
    schedule: str = "cosine"
    warmup: int = 200
    clip: float = 1.0
    seed: int = 0
    checkpoint_every: int = 250
    log_every: int = 50
    val: str | None = None
    val_every: int = 500
    val_limit: int = 16
    trajectory_lr_factor: float = 0.0
    trajectory_loss: float = 1.0
    init: str | None = None
    precision: str = "fp32"

    def __post_init__(self) -> None:
        check_run_fields(self)
        if self.trajectory_lr_factor < 0 or self.trajectory_loss < 0:
            raise ValueError("the trajectory learning-rate factor and loss weight must be ≥ 0")
        if self.finetune and not self.model.reads_trajectory:
            raise ValueError("fine-tuning the trajectory network needs a network that reads it (--motion-aware ≥ 1 or --motion-input)")

    @property
    def finetune(self) -> bool:
        return self.trajectory_lr_factor > 0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "DeblurTrainConfig":
        d = dict(d)
        d["model"] = DeblurNetConfig(**d["model"])
        return cls(**d)


@dataclass(frozen=True)
class DeblurTrainOutcome:
    checkpoint: Path
    model: DeblurNet | TrajectoryDeblurNet  # the latter when the trajectories were fine-tuned
    step: int


def charbonnier(x: torch.Tensor, y: torch.Tensor, eps: float = 1e-3) -> torch.Tensor:
    """A smooth L1 distance: sharper restorations than ℓ2 for the same steps."""
    return torch.sqrt((x - y).square() + eps * eps).mean()


def estimate_motion(data: PairedImages, predictor: TrajectoryPredictor, *, progress: Callable[[int, int], None] | None = None) -> list[torch.Tensor]:
    """The frozen offset network's parameters ``(C, h, w)`` for every blurry image of ``data``."""
    out = []
    for i, b in enumerate(data.blurry):
        out.append(predictor(b.permute(1, 2, 0).numpy()).params[0])
        if progress is not None:
            progress(i + 1, len(data))
    return out


def validate(model: DeblurNet | TrajectoryDeblurNet, data: PairedImages, *, limit: int, device: torch.device) -> dict[str, float]:
    """Mean PSNR of the restored and of the blurry images over the first ``limit`` pairs
    (with attached motion for a ``DeblurNet``, estimated by a ``TrajectoryDeblurNet`` itself)."""
    model.eval()
    n = min(limit, len(data))
    total = blurry_total = 0.0
    with torch.no_grad():
        for i in range(n):
            b = data.blurry[i].unsqueeze(0).float().div(255).to(device)
            s = data.sharp[i].unsqueeze(0).float().div(255).to(device)
            if isinstance(model, TrajectoryDeblurNet):
                restored = model(b)[0]
            else:
                motion = None if data.motion is None else data.motion[i].flatten(0, 1).unsqueeze(0).float().to(device)
                restored = model(b, motion)
            total += float(psnr(restored.clamp(0, 1), s))
            blurry_total += float(psnr(b, s))
    model.train()
    return {"psnr": total / n, "blurry_psnr": blurry_total / n}


def train_deblur(
    config: DeblurTrainConfig,
    *,
    device: torch.device,
    resume: bool = True,
    progress: Callable[[int, int, dict], None] | None = None,
    stop_after: int | None = None,
    on_status: Callable[[str], None] | None = None,
) -> DeblurTrainOutcome:
    """Train (or resume); returns the checkpoint path, this replica's model and the step reached.

    ``stop_after`` ends this call after that many steps without touching the schedule.
    """
    # float32 estimates: the same training inputs on every machine
    predictor = TrajectoryPredictor(weights=config.trajectory_weights, device=str(device.type), precision="fp32")
    if (predictor.config.constraint, predictor.config.n_offsets) != (config.model.constraint, config.model.n_offsets):
        raise ValueError(f"the trajectory weights are {predictor.config.constraint} N={predictor.config.n_offsets}; "
                         f"the deblurring model expects {config.model.constraint} N={config.model.n_offsets}")
    if config.finetune:
        offsets = predictor.model.to(memory_format=torch.contiguous_format).float()

        def build() -> torch.nn.Module:
            return TrajectoryDeblurNet(offsets=offsets, deblur=DeblurNet(config.model))

        def groups(model: torch.nn.Module) -> list[dict]:
            return [{"params": model.deblur.parameters()},
                    {"params": model.offsets.parameters(), "lr_scale": config.trajectory_lr_factor}]
    else:
        build, groups = (lambda: DeblurNet(config.model)), None
    run = TrainingRun(config, build, config_type=DeblurTrainConfig, device=device, resume=resume,
                      stop_after=stop_after, progress=progress, param_groups=groups)
    if config.init and run.state.step == 0:  # α lives in the weights; --alpha only starts a fresh network
        # weights with fewer motion-aware convolutions grow into this network: a newly bent one
        # starts at α = 0, where Eq. 16 is the plain convolution it replaces (same weights); a
        # network without motion input grows its stem's motion channels at zero; a U-Net with fewer
        # middle blocks grows new ones whose second convolution starts at zero (residual 0). Each way
        # the run starts from exactly the loaded network's output
        load_start_weights(run.model.deblur if config.finetune else run.model, task="deblur", weights=config.init,
                           config_type=DeblurNetConfig, expected=config.model, free=("alpha", "motion_aware", "motion_input", "middle_blocks"),
                           absent=lambda name: name.endswith(".alpha") or name.startswith("unet.middle."),
                           kept=lambda name: name.startswith("unet.middle.") and ".conv1." in name, widen=lambda name: name == "unet.stem.weight")
    device = run.device
    status = on_status or (lambda msg: None)
    data = PairedImages(find_pairs(Path(config.data)))
    val = PairedImages(find_pairs(Path(config.val))[: config.val_limit]) if config.val else None
    if not config.finetune and config.model.reads_trajectory:  # the backbone alone never reads trajectories
        status(f"estimating trajectories of {len(data)} training pairs with {predictor.weights_path.name}")
        data.attach_motion(estimate_motion(data, predictor))
        if val is not None:
            val.attach_motion(estimate_motion(val, predictor))
    light, constraint = predictor.light, predictor.config.constraint
    times = uniform_times(predictor.config.n_offsets, device=device)
    del predictor

    for rng in run.steps():
        batch = data.batch(rng, config.batch_size, config.crop).to(device)
        terms: dict[str, torch.Tensor] = {}
        with autocast(config.precision, device):
            restored, params = run.ddp(batch.blurry) if config.finetune else (run.ddp(batch.blurry, batch.motion), None)
        restored = restored.float()
        if config.finetune:
            if config.trajectory_loss:
                terms = trajectory_training_loss(
                    blurry=batch.blurry, sharp=batch.sharp, offsets=trajectory(params, constraint, times), weights=LossWeights(), light=light,
                    true_offsets=batch.true, pred_at_true_times=None if batch.true is None else trajectory(params, constraint, batch.times))
        loss = charbonnier(restored, batch.sharp)
        total = loss + config.trajectory_loss * terms["total"] if terms else loss
        run.optimizer.zero_grad(set_to_none=True)
        total.backward()
        if config.clip > 0:
            torch.nn.utils.clip_grad_norm_(run.model.parameters(), config.clip)
        run.optimizer.step()
        with torch.no_grad():
            logged = {"loss": float(loss), "psnr": float(psnr(restored.clamp(0, 1), batch.sharp).mean())}
            logged.update({f"trajectory_{k}": float(v) for k, v in terms.items() if k in ("reblur", "epe")})
            run.stepped(logged)
        if run.validation_due(val is not None):
            run.validated(validate(run.model, val, limit=config.val_limit, device=device), key=lambda v: -v["psnr"])
        run.checkpoint_if_due()
    run.close()
    return DeblurTrainOutcome(checkpoint=run.checkpoint, model=run.model, step=run.state.step)
