"""What every training run shares: the learning-rate schedule, resumable checkpoints, the log,
and the loop bookkeeping around a loss (``TrainingRun``)."""
from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch.nn.parallel import DistributedDataParallel

from ..io import atomic_output
from ..weights import resolve
from .distributed import init_distributed, shutdown_distributed

SCHEDULES: tuple[str, ...] = ("linear", "cosine", "constant")
# a run's arithmetic is named, never "auto": the same command trains the same way on every machine
TRAIN_PRECISIONS: tuple[str, ...] = ("fp32", "bf16")


def check_run_fields(config) -> None:
    """The checks every training config makes of the fields they share (schedule, precision,
    steps, batch size, crop); raises ``ValueError`` naming what is wrong."""
    if config.schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}, not {config.schedule!r}")
    if config.precision not in TRAIN_PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(TRAIN_PRECISIONS)}, not {config.precision!r}")
    if config.steps < 1 or config.batch_size < 1 or config.crop < 16:
        raise ValueError("steps ≥ 1, batch size ≥ 1 and crop ≥ 16 are required")


def load_start_weights(
    model: torch.nn.Module, *, task: str, weights: str, config_type, expected, free: tuple[str, ...] = (),
    absent: Callable[[str], bool] | None = None, widen: Callable[[str], bool] | None = None,
    kept: Callable[[str], bool] | None = None,
) -> None:
    """Load exported weights (``--init``) into a new run's ``model``.

    The manifest's architecture must equal ``expected`` (a frozen ``config_type``) except for the
    ``free`` fields, whose values the weights themselves carry (e.g. a learned α's start). It is
    read through ``config_type`` so that a manifest written before a field existed holds its default.
    Parameters the weights lack are refused unless ``absent(name)`` allows them; those start at
    zero (e.g. the α of a convolution the loaded network did not bend, ``train.deblur``), or keep
    the network's own initialisation where ``kept(name)`` says so (the first convolution of a new
    residual block whose last one starts at zero: the block adds nothing yet, and still learns). A weight
    that ``widen(name)`` allows may have fewer input channels (dim 1) than the network's: the
    extra ones start at zero, so the new inputs change nothing until training moves them.
    """
    tensors, info, path = resolve(task, weights)
    own = model.state_dict()
    for name, t in list(tensors.items()):
        target = own.get(name)
        if (widen is not None and widen(name) and target is not None and t.dim() == target.dim() >= 2
                and t.shape[0] == target.shape[0] and t.shape[2:] == target.shape[2:] and t.shape[1] < target.shape[1]):
            grown = t.new_zeros(target.shape)
            grown[:, : t.shape[1]] = t
            tensors[name] = grown
    try:
        held = config_type(**info.get("architecture", {}))
        same = replace(held, **{name: getattr(expected, name) for name in free}) == expected
    except (TypeError, ValueError):
        same = False
    if not same:
        raise ValueError(f"{path}: holds a {info.get('architecture')} network, not {expected.to_dict()}")
    try:
        missing, unexpected = model.load_state_dict(tensors, strict=False)
    except RuntimeError as e:  # a tensor of another shape
        raise ValueError(f"{path}: its tensors do not fit the network ({e})") from None
    refused = [name for name in missing if absent is None or not absent(name)]
    if refused or unexpected:
        raise ValueError(f"{path}: its tensors do not fit the network (missing {refused}, unexpected {unexpected})")
    with torch.no_grad():
        for name in missing:
            if kept is None or not kept(name):
                own[name].zero_()  # the state dict shares storage with the parameters and buffers


def lr_factor(step: int, *, steps: int, warmup: int, schedule: str) -> float:
    """Learning-rate multiplier at ``step``: linear warm-up, then ``schedule`` down to 0."""
    if step < warmup:
        return (step + 1) / warmup
    if schedule == "constant":
        return 1.0
    progress = min(1.0, (step - warmup) / max(1, steps - warmup))
    if schedule == "linear":
        return 1.0 - progress
    return 0.5 * (1 + math.cos(math.pi * progress))


@dataclass
class RunState:
    step: int = 0
    cpu_seconds: float = 0.0
    wall_seconds: float = 0.0
    history: list = field(default_factory=list)


def checkpoint_path(out: Path) -> Path:
    return Path(out) / "last.pt"


def save_checkpoint(out: Path, *, model: torch.nn.Module, optimizer: torch.optim.Optimizer, config, state: RunState, name: str = "last.pt") -> None:
    path = Path(out) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "config": config.to_dict(),
        "state": asdict(state),
    }
    with atomic_output(path) as tmp:
        torch.save(payload, tmp)


def load_checkpoint(path: Path) -> dict:
    return torch.load(path, map_location="cpu", weights_only=False)


def log_record(out: Path, record: dict) -> None:
    with open(Path(out) / "log.jsonl", "a") as f:
        f.write(json.dumps(record) + "\n")




class TrainingRun:
    """The bookkeeping every training loop shares, around a loop that owns only its loss.

    Sets up the device (one GPU per rank under ``torchrun``), builds the model after seeding,
    Adam, resumes ``OUT/last.pt`` (refusing a checkpoint of another architecture), wraps the
    model in DDP, sets the learning rate of each step (times a parameter group's ``lr_scale``,
    when ``param_groups`` splits the model into groups), accounts CPU and wall time across
    resumptions, logs running means every ``log_every`` steps, keeps ``best.pt`` by a
    validation key (lower is better) and ``last.pt`` every ``checkpoint_every`` steps.
    """

    def __init__(self, config, build: Callable[[], torch.nn.Module], *, config_type, device: torch.device, resume: bool,
                 stop_after: int | None, progress: Callable[[int, int, dict], None] | None,
                 param_groups: Callable[[torch.nn.Module], list[dict]] | None = None) -> None:
        self.dist = init_distributed(device)
        if self.dist.enabled and device.type == "cuda":
            device = torch.device("cuda", self.dist.local_rank)
        self.config, self.device, self.progress = config, device, progress
        self.out = Path(config.out)
        self.checkpoint = checkpoint_path(self.out)
        torch.manual_seed(config.seed)
        self.model = build().to(device)
        params = self.model.parameters() if param_groups is None else param_groups(self.model)
        self.optimizer = torch.optim.Adam(params, lr=config.lr, betas=(0.9, 0.999), eps=1e-8)
        self.state = RunState()
        if resume and self.checkpoint.exists():
            payload = load_checkpoint(self.checkpoint)
            saved = config_type.from_dict(payload["config"])
            if saved.model != config.model:
                raise ValueError(f"{self.checkpoint} holds a {saved.model} model, not {config.model}; use another --out")
            try:
                self.model.load_state_dict(payload["model"])
            except RuntimeError as e:
                raise ValueError(f"{self.checkpoint} holds another network than this run builds (fine-tuned vs frozen trajectories?); use another --out") from e
            self.optimizer.load_state_dict(payload["optimizer"])
            self.state = RunState(**payload["state"])
        self.ddp = DistributedDataParallel(self.model) if self.dist.enabled else self.model
        self.last_step = config.steps if stop_after is None else min(config.steps, self.state.step + stop_after)
        self._running: dict[str, float] = {}

    @property
    def is_main(self) -> bool:
        return self.dist.is_main

    def steps(self):
        """Yield each step to run, with its learning rate set and its random generator: each
        (seed, rank, step) has its own crops, so resuming replays nothing and skips nothing."""
        if self.is_main:
            self.out.mkdir(parents=True, exist_ok=True)
        self.model.train()
        self._clock = (time.process_time(), time.perf_counter(), self.state.cpu_seconds, self.state.wall_seconds)
        cfg = self.config
        while self.state.step < self.last_step:
            step = self.state.step
            for g in self.optimizer.param_groups:
                g["lr"] = cfg.lr * g.get("lr_scale", 1.0) * lr_factor(step, steps=cfg.steps, warmup=cfg.warmup, schedule=cfg.schedule)
            yield np.random.default_rng([cfg.seed, self.dist.rank, step])

    def stepped(self, terms: dict[str, float]) -> None:
        """Count a finished optimiser step with its loss terms: progress and the running log."""
        self.state.step += 1
        cpu0, wall0, base_cpu, base_wall = self._clock
        self.state.cpu_seconds = base_cpu + time.process_time() - cpu0
        self.state.wall_seconds = base_wall + time.perf_counter() - wall0
        for k, v in terms.items():
            self._running[k] = self._running.get(k, 0.0) + v
        if self.progress is not None and self.is_main:
            self.progress(self.state.step, self.config.steps, terms)
        every = self.config.log_every
        if self.is_main and self.state.step % every == 0:
            log_record(self.out, {"step": self.state.step, "lr": self.optimizer.param_groups[0]["lr"], "cpu_hours": self.state.cpu_seconds / 3600,
                                  "wall_hours": self.state.wall_seconds / 3600, **{k: v / every for k, v in self._running.items()}})
            self._running = {}

    def validation_due(self, has_val: bool) -> bool:
        step = self.state.step
        return self.is_main and has_val and (step % self.config.val_every == 0 or step == self.config.steps)

    def validated(self, scores: dict[str, float], key: Callable[[dict], float]) -> None:
        """Log validation figures; the held-out optimum (lowest ``key``) is kept as ``best.pt``
        beside ``last.pt`` (which is what resuming uses)."""
        best = min((key(h["val"]) for h in self.state.history), default=None)
        rec = {"step": self.state.step, "cpu_hours": self.state.cpu_seconds / 3600, "val": scores}
        self.state.history.append(rec)
        log_record(self.out, rec)
        if best is None or key(scores) < best:
            self._save("best.pt")

    def checkpoint_if_due(self) -> None:
        step = self.state.step
        if self.is_main and (step % self.config.checkpoint_every == 0 or step == self.last_step):
            self._save("last.pt")

    def _save(self, name: str) -> None:
        save_checkpoint(self.out, model=self.model, optimizer=self.optimizer, config=self.config, state=self.state, name=name)

    def close(self) -> None:
        shutdown_distributed(self.dist)
