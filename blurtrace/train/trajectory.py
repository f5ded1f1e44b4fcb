"""Training the trajectory network: self-supervised reblurring (Eq. 6–11) plus, on synthetic
data, the true trajectory. Resumable, logs quality against CPU time, DDP under ``torchrun``."""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch.nn.parallel import DistributedDataParallel

from ..data.datasets import PairedImages, find_pairs
from ..losses import LossWeights, trajectory_training_loss
from ..models.offset_net import OffsetNet, OffsetNetConfig
from ..ops.color import check_light
from ..ops.trajectory import trajectory, uniform_times
from ..scoring import score_trajectory
from .common import SCHEDULES, RunState, checkpoint_path, log_record, load_checkpoint, lr_factor, save_checkpoint
from .distributed import DistInfo, init_distributed, shutdown_distributed


@dataclass(frozen=True)
class TrajectoryTrainConfig:
    """Everything one training run depends on (saved in every checkpoint).

    The paper: Adam 1e-4 decayed linearly to 0, N = 15, λ as in ``LossWeights``. On two CPU
    cores a short warm-up and a higher peak rate learn far more per step (see README).
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

    def __post_init__(self) -> None:
        check_light(self.light)
        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}, not {self.schedule!r}")
        if self.steps < 1 or self.batch_size < 1 or self.crop < 16:
            raise ValueError("steps ≥ 1, batch size ≥ 1 and crop ≥ 16 are required")

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


def _val_key(scores: dict) -> float:
    """Lower is better: trajectory EPE where truth exists, else negative reblur PSNR."""
    return scores.get("epe", -scores["reblur_psnr"])


def validate(model: OffsetNet, data: PairedImages, *, light: str, limit: int, device: torch.device) -> dict[str, float]:
    """Mean figures over the first ``limit`` validation images (whole images, no crops)."""
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
                model(b), constraint=cfg.constraint, n_offsets=cfg.n_offsets, blurry=b, sharp=s, light=light,
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
    dist_info: DistInfo = init_distributed(device)
    if dist_info.enabled and device.type == "cuda":
        device = torch.device("cuda", dist_info.local_rank)
    out = Path(config.out)
    torch.manual_seed(config.seed)
    model = OffsetNet(config.model).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, betas=(0.9, 0.999), eps=1e-8)
    state = RunState()
    ckpt = checkpoint_path(out)
    if resume and ckpt.exists():
        payload = load_checkpoint(ckpt)
        saved = TrajectoryTrainConfig.from_dict(payload["config"])
        if saved.model != config.model:
            raise ValueError(f"{ckpt} holds a {saved.model} model, not {config.model}; use another --out")
        model.load_state_dict(payload["model"])
        optimizer.load_state_dict(payload["optimizer"])
        state = RunState(**payload["state"])
    ddp = DistributedDataParallel(model) if dist_info.enabled else model

    data = PairedImages(find_pairs(Path(config.data)))
    val = PairedImages(find_pairs(Path(config.val))[: config.val_limit]) if config.val else None
    n_times = uniform_times(config.model.n_offsets, device=device)
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
        # each (seed, rank, step) has its own crops: resuming replays nothing and skips nothing
        rng = np.random.default_rng([config.seed, dist_info.rank, step])
        batch = data.batch(rng, config.batch_size, config.crop).to(device)
        params = ddp(batch.blurry)
        offsets = trajectory(params, config.model.constraint, n_times)
        pred_true = None if batch.true is None else trajectory(params, config.model.constraint, batch.times)
        terms = trajectory_training_loss(
            blurry=batch.blurry, sharp=batch.sharp, offsets=offsets, weights=config.weights, light=config.light,
            true_offsets=batch.true, pred_at_true_times=pred_true,
        )
        optimizer.zero_grad(set_to_none=True)
        terms["total"].backward()
        optimizer.step()
        state.step += 1
        for k, v in terms.items():
            running[k] = running.get(k, 0.0) + float(v.detach())
        state.cpu_seconds = base_cpu + time.process_time() - cpu0
        state.wall_seconds = base_wall + time.perf_counter() - wall0
        if progress is not None and dist_info.is_main:
            progress(state.step, config.steps, {k: float(v.detach()) for k, v in terms.items()})
        if dist_info.is_main and state.step % config.log_every == 0:
            rec = {"step": state.step, "lr": optimizer.param_groups[0]["lr"], "cpu_hours": state.cpu_seconds / 3600,
                   "wall_hours": state.wall_seconds / 3600, **{k: v / config.log_every for k, v in running.items()}}
            log_record(out, rec)
            running = {}
        if dist_info.is_main and val is not None and (state.step % config.val_every == 0 or state.step == config.steps):
            scores = validate(model, val, light=config.light, limit=config.val_limit, device=device)
            rec = {"step": state.step, "cpu_hours": state.cpu_seconds / 3600, "val": scores}
            best = min((_val_key(h["val"]) for h in state.history), default=None)
            state.history.append(rec)
            log_record(out, rec)
            if best is None or _val_key(scores) < best:
                # the held-out optimum, kept beside last.pt (which is what resuming uses)
                save_checkpoint(out, model=model, optimizer=optimizer, config=config, state=state, name="best.pt")
        if state.step % config.refresh_every == 0:
            # pick up pairs a concurrent `blurtrace synth` has finished since: a pair counts once
            # its blurry image (written last) exists; ranks may differ here, harmlessly, since
            # each draws its own crops
            data.add(find_pairs(Path(config.data)))
        if dist_info.is_main and (state.step % config.checkpoint_every == 0 or state.step == last_step):
            save_checkpoint(out, model=model, optimizer=optimizer, config=config, state=state)
    shutdown_distributed(dist_info)
    return TrainOutcome(checkpoint=ckpt, model=model, step=state.step)
