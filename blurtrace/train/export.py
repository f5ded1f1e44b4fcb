"""From a training checkpoint to shipped weights (safetensors + manifest entry)."""
from __future__ import annotations

import json
from pathlib import Path

from ..weights import PACKAGE_WEIGHTS, export, register
from .trajectory import TrajectoryTrainConfig, load_checkpoint


def export_checkpoint(checkpoint: Path, *, name: str, dest: Path | None = None, data_note: str = "", metrics_path: Path | None = None, default: bool = False) -> Path:
    """Write ``dest/NAME.safetensors`` and its manifest entry; returns the file's path.

    The entry records the architecture, the light space, the exact training command(s)
    (``command.txt`` beside the checkpoint), steps and CPU-hours, the data note and, when
    given, the evaluation figures of ``metrics_path`` (JSON).
    """
    checkpoint = Path(checkpoint)
    payload = load_checkpoint(checkpoint)
    config = TrajectoryTrainConfig.from_dict(payload["config"])
    state = payload["state"]
    commands_file = checkpoint.parent / "command.txt"
    commands = commands_file.read_text().splitlines() if commands_file.exists() else []
    info = {
        "light": config.light,
        "training": {
            "commands": commands,
            "steps": state["step"],
            "schedule_steps": config.steps,
            "cpu_hours": round(state["cpu_seconds"] / 3600, 3),
            "wall_hours": round(state["wall_seconds"] / 3600, 3),
            "data": data_note or config.data,
            "config": config.to_dict(),
        },
        "metrics": json.loads(Path(metrics_path).read_text()) if metrics_path else {},
    }
    folder = Path(dest) if dest is not None else PACKAGE_WEIGHTS
    folder.mkdir(parents=True, exist_ok=True)
    file = f"{name}.safetensors"
    architecture = config.model.to_dict()
    export(payload["model"], folder / file, task="trajectory", architecture=architecture, info={"light": config.light, "name": name})
    register(folder, name=name, file=file, task="trajectory", architecture=architecture, info=info, default=default)
    return folder / file
