"""Training the deblurring network on blurry/sharp pairs, with the trajectories of a frozen
offset network. Resumable, logs quality against CPU time, DDP under ``torchrun``."""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch.nn.parallel import DistributedDataParallel

from ..data.datasets import PairedImages, find_pairs
from ..inference import TrajectoryPredictor
from ..metrics import psnr
from ..models.deblur_net import DeblurNet, DeblurNetConfig
from .common import SCHEDULES, RunState, checkpoint_path, load_checkpoint, log_record, lr_factor, save_checkpoint
from .distributed import init_distributed, shutdown_distributed


@dataclass(frozen=True)
class DeblurTrainConfig:
    """Everything one deblurring run depends on (saved in every checkpoint).

    ``trajectory_weights`` names the frozen offset network whose estimates the motion-aware
    layers read (``None``: the shipped default); training on *estimated* rather than true
    trajectories teaches the network the estimates it will get at run time.
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

    def __post_init__(self) -> None:
        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}, not {self.schedule!r}")
        if self.steps < 1 or self.batch_size < 1 or self.crop < 16:
            raise ValueError("steps ≥ 1, batch size ≥ 1 and crop ≥ 16 are required")

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
    model: DeblurNet
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


def validate(model: DeblurNet, data: PairedImages, *, limit: int, device: torch.device) -> dict[str, float]:
    """Mean PSNR of the restored and of the blurry images over the first ``limit`` pairs."""
    model.eval()
    n = min(limit, len(data))
    total = blurry_total = 0.0
    with torch.no_grad():
        for i in range(n):
            b = data.blurry[i].unsqueeze(0).float().div(255).to(device)
            s = data.sharp[i].unsqueeze(0).float().div(255).to(device)
            m = data.motion[i].flatten(0, 1).unsqueeze(0).float().to(device)
            total += float(psnr(model(b, m).clamp(0, 1), s))
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
    dist_info = init_distributed(device)
    if dist_info.enabled and device.type == "cuda":
        device = torch.device("cuda", dist_info.local_rank)
    out = Path(config.out)
    torch.manual_seed(config.seed)
    model = DeblurNet(config.model).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, betas=(0.9, 0.999), eps=1e-8)
    state = RunState()
    ckpt = checkpoint_path(out)
    if resume and ckpt.exists():
        payload = load_checkpoint(ckpt)
        saved = DeblurTrainConfig.from_dict(payload["config"])
        if saved.model != config.model:
            raise ValueError(f"{ckpt} holds a {saved.model} model, not {config.model}; use another --out")
        model.load_state_dict(payload["model"])
        optimizer.load_state_dict(payload["optimizer"])
        state = RunState(**payload["state"])
    ddp = DistributedDataParallel(model) if dist_info.enabled else model

    pairs = find_pairs(Path(config.data))
    predictor = TrajectoryPredictor(weights=config.trajectory_weights, device=str(device.type))
    if (predictor.config.constraint, predictor.config.n_offsets) != (config.model.constraint, config.model.n_offsets):
        raise ValueError(f"the trajectory weights are {predictor.config.constraint} N={predictor.config.n_offsets}; "
                         f"the deblurring model expects {config.model.constraint} N={config.model.n_offsets}")
    status = on_status or (lambda msg: None)
    data = PairedImages(pairs)
    status(f"estimating trajectories of {len(data)} training pairs with {predictor.weights_path.name}")
    data.attach_motion(estimate_motion(data, predictor))
    val = None
    if config.val:
        val = PairedImages(find_pairs(Path(config.val))[: config.val_limit])
        val.attach_motion(estimate_motion(val, predictor))
    del predictor

    last_step = config.steps if stop_after is None else min(config.steps, state.step + stop_after)
    if dist_info.is_main:
        out.mkdir(parents=True, exist_ok=True)
    model.train()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    base_cpu, base_wall = state.cpu_seconds, state.wall_seconds
    running: dict[str, float] = {}
    while state.step < last_step:
        step = state.step
        for g in optimizer.param_groups:
            g["lr"] = config.lr * lr_factor(step, steps=config.steps, warmup=config.warmup, schedule=config.schedule)
        rng = np.random.default_rng([config.seed, dist_info.rank, step])
        batch = data.batch(rng, config.batch_size, config.crop).to(device)
        restored = ddp(batch.blurry, batch.motion)
        loss = charbonnier(restored, batch.sharp)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if config.clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), config.clip)
        optimizer.step()
        state.step += 1
        with torch.no_grad():
            terms = {"loss": float(loss), "psnr": float(psnr(restored.clamp(0, 1), batch.sharp).mean())}
        for k, v in terms.items():
            running[k] = running.get(k, 0.0) + v
        state.cpu_seconds = base_cpu + time.process_time() - cpu0
        state.wall_seconds = base_wall + time.perf_counter() - wall0
        if progress is not None and dist_info.is_main:
            progress(state.step, config.steps, terms)
        if dist_info.is_main and state.step % config.log_every == 0:
            log_record(out, {"step": state.step, "lr": optimizer.param_groups[0]["lr"], "cpu_hours": state.cpu_seconds / 3600,
                             "wall_hours": state.wall_seconds / 3600, **{k: v / config.log_every for k, v in running.items()}})
            running = {}
        if dist_info.is_main and val is not None and (state.step % config.val_every == 0 or state.step == config.steps):
            scores = validate(model, val, limit=config.val_limit, device=device)
            best = max((h["val"]["psnr"] for h in state.history), default=None)
            rec = {"step": state.step, "cpu_hours": state.cpu_seconds / 3600, "val": scores}
            state.history.append(rec)
            log_record(out, rec)
            if best is None or scores["psnr"] > best:
                save_checkpoint(out, model=model, optimizer=optimizer, config=config, state=state, name="best.pt")
        if dist_info.is_main and (state.step % config.checkpoint_every == 0 or state.step == last_step):
            save_checkpoint(out, model=model, optimizer=optimizer, config=config, state=state)
    shutdown_distributed(dist_info)
    return DeblurTrainOutcome(checkpoint=ckpt, model=model, step=state.step)
