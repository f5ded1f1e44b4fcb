"""From a training checkpoint to shipped weights (safetensors + manifest entry)."""
from __future__ import annotations

import json
from pathlib import Path

from ..weights import PACKAGE_WEIGHTS, export, register, resolve, sha256_file
from .common import load_checkpoint


def _describe(payload: dict) -> tuple[str, dict, str, dict]:
    """Task, architecture, light space and task-specific manifest notes of a checkpoint."""
    raw = payload["config"]
    if "trajectory_weights" in raw:  # a deblurring run
        from .deblur import DeblurTrainConfig

        config = DeblurTrainConfig.from_dict(raw)
        _, info, path = resolve("trajectory", config.trajectory_weights)
        notes = {"trajectory_model": {"file": path.name, "sha256": sha256_file(path)}}
        return "deblur", config.model.to_dict(), info.get("light", "linear"), {"config": config.to_dict(), **notes}
    from .trajectory import TrajectoryTrainConfig

    config = TrajectoryTrainConfig.from_dict(raw)
    return "trajectory", config.model.to_dict(), config.light, {"config": config.to_dict()}


def _split_finetuned(payload: dict) -> tuple[dict, dict | None]:
    """A deblurring run's state dict → (deblurring tensors, fine-tuned offset-network tensors or
    None when the trajectories were frozen)."""
    state = payload["model"]
    if not any(k.startswith("offsets.") for k in state):
        return state, None
    pick = lambda prefix: {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}  # noqa: E731
    return pick("deblur."), pick("offsets.")


def export_checkpoint(checkpoint: Path, *, name: str, dest: Path | None = None, data_note: str = "", metrics_path: Path | None = None, default: bool = False) -> Path:
    """Write ``dest/NAME.safetensors`` and its manifest entry; returns the file's path.

    The entry records the task and architecture, the light space, the exact training
    command(s) (``command.txt`` beside the checkpoint), steps and CPU-hours, the data note, for
    a deblurring model the trajectory model it was trained with, and, when given, the
    evaluation figures of ``metrics_path`` (JSON). A deblurring run that fine-tuned its
    trajectory network also writes that network as ``NAME-trajectory.safetensors`` (its own
    entry, never the default) and names it in the deblurring file's metadata, so ``deblur``
    pairs the two unless told otherwise; so does a frozen run trained on a chosen trajectory model
    whose file (same sha256) is already in ``dest``.
    """
    checkpoint = Path(checkpoint)
    payload = load_checkpoint(checkpoint)
    task, architecture, light, notes = _describe(payload)
    state = payload["state"]
    commands_file = checkpoint.parent / "command.txt"
    commands = commands_file.read_text().splitlines() if commands_file.exists() else []
    info = {
        "light": light,
        "training": {
            "commands": commands,
            "steps": state["step"],
            "schedule_steps": notes["config"]["steps"],
            "cpu_hours": round(state["cpu_seconds"] / 3600, 3),
            "wall_hours": round(state["wall_seconds"] / 3600, 3),
            "data": data_note or notes["config"]["data"],
            **notes,
        },
        "metrics": json.loads(Path(metrics_path).read_text()) if metrics_path else {},
    }
    folder = Path(dest) if dest is not None else PACKAGE_WEIGHTS
    folder.mkdir(parents=True, exist_ok=True)
    file = f"{name}.safetensors"
    tensors, offsets = _split_finetuned(payload)
    meta = {"light": light, "name": name}
    if offsets is not None:
        traj_name = f"{name}-trajectory"
        _, traj_info, _ = resolve("trajectory", notes["config"]["trajectory_weights"])
        export(offsets, folder / f"{traj_name}.safetensors", task="trajectory", architecture=traj_info["architecture"],
               info={"light": light, "name": traj_name})
        trained = {"fine_tuned_from": info["training"]["trajectory_model"], "with": name, "steps": state["step"], "commands": commands}
        register(folder, name=traj_name, file=f"{traj_name}.safetensors", task="trajectory", architecture=traj_info["architecture"],
                 info={"light": light, "training": trained}, default=False)
        meta["trajectory_model"] = f"{traj_name}.safetensors"
        info["training"]["trajectory_model"] = {"file": meta["trajectory_model"], "sha256": sha256_file(folder / meta["trajectory_model"])}
    elif task == "deblur" and notes["config"]["trajectory_weights"] is not None:
        # frozen, but trained on a chosen trajectory model: when that very file sits beside it,
        # `deblur` pairs the two, so the network reads the trajectories it learned from
        trained_with = info["training"]["trajectory_model"]
        beside = folder / trained_with["file"]
        if beside.exists() and sha256_file(beside) == trained_with["sha256"]:
            meta["trajectory_model"] = trained_with["file"]
    if task == "trajectory" and notes["config"].get("guide"):
        meta["guide"] = notes["config"]["guide"]  # the deblurring weights whose estimate it reads
    export(tensors, folder / file, task=task, architecture=architecture, info=meta)
    register(folder, name=name, file=file, task=task, architecture=architecture, info=info, default=default)
    return folder / file
