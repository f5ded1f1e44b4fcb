"""What every training run shares: the learning-rate schedule, resumable checkpoints, the log."""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from ..io import atomic_output

SCHEDULES: tuple[str, ...] = ("linear", "cosine", "constant")


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


