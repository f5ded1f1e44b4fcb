"""Shipped weights as data: safetensors files plus ``manifest.json`` (sha256, architecture,
training command, data, metrics). Every load is verified; any problem is a ``WeightsError``
(the CLI's exit code 3) with one line saying what is wrong and how to fix it."""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file

from .io import atomic_output

PACKAGE_WEIGHTS = Path(__file__).resolve().parent / "weights"
ENV_DIR = "BLURTRACE_WEIGHTS_DIR"
MANIFEST = "manifest.json"


class WeightsError(RuntimeError):
    """Weights missing, truncated, tampered with, or not a weights file at all."""


@dataclass(frozen=True)
class WeightsEntry:
    name: str
    file: Path
    sha256: str
    task: str  # "trajectory" or "deblur"
    architecture: dict
    info: dict  # training command, data, metrics, …


def weights_dir() -> Path:
    """``$BLURTRACE_WEIGHTS_DIR`` if set, else the folder inside the installed package."""
    env = os.environ.get(ENV_DIR)
    return Path(env) if env else PACKAGE_WEIGHTS


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_manifest(folder: Path | None = None) -> dict:
    folder = weights_dir() if folder is None else Path(folder)
    path = folder / MANIFEST
    if not path.exists():
        return {"models": {}}
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise WeightsError(f"{path}: unreadable weights manifest ({e})") from e


def _entries(folder: Path, manifest) -> list[WeightsEntry]:
    models = manifest.get("models", {}) if isinstance(manifest, dict) else None
    if not isinstance(models, dict):
        raise WeightsError(f"{folder / MANIFEST}: not a blurtrace weights manifest (no 'models' table)")
    out = []
    for name, m in models.items():
        try:
            out.append(WeightsEntry(name=name, file=folder / m["file"], sha256=m["sha256"], task=m["task"], architecture=m["architecture"], info=m))
        except (KeyError, TypeError) as e:
            raise WeightsError(f"{folder / MANIFEST}: entry {name!r} lacks {e} (file, sha256, task and architecture are required)") from e
    return out


def list_entries(folder: Path | None = None) -> list[WeightsEntry]:
    folder = weights_dir() if folder is None else Path(folder)
    return _entries(folder, read_manifest(folder))


def default_entry(task: str, folder: Path | None = None) -> WeightsEntry:
    folder = weights_dir() if folder is None else Path(folder)
    manifest = read_manifest(folder)
    entries = _entries(folder, manifest)  # validates the manifest first
    name = (manifest.get("defaults") or {}).get(task)
    for e in entries:
        if e.name == name:
            return e
    raise WeightsError(f"no default {task} weights in {folder / MANIFEST}; train some with `blurtrace train {task}` or pass --weights")


def _named_entry(name: str, task: str) -> WeightsEntry:
    """The installed model called ``name`` (of any task: a wrong one is refused on loading);
    a ``WeightsError`` naming the installed ``task`` models if there is none."""
    entries = list_entries()
    for e in entries:
        if e.name == name:
            return e
    names = ", ".join(sorted(e.name for e in entries if e.task == task)) or "none installed"
    raise WeightsError(f"{name}: neither a weights file nor an installed {task} model ({names}; see `blurtrace models`)")


def _check_file(path: Path, expected_sha: str | None) -> None:
    if not path.exists():
        raise WeightsError(f"{path}: weights file missing (reinstall blurtrace, or pass --weights)")
    with open(path, "rb") as f:
        head = f.read(200)
    if head.startswith(b"version https://git-lfs"):
        raise WeightsError(f"{path}: a Git LFS pointer, not the weights (run `git lfs pull`)")
    if expected_sha is not None:
        actual = sha256_file(path)
        if actual != expected_sha:
            raise WeightsError(f"{path}: sha256 {actual[:12]}… does not match the manifest ({expected_sha[:12]}…): file truncated or modified")


def load_state(path: Path, *, expected_sha: str | None = None) -> tuple[dict[str, torch.Tensor], dict]:
    """Tensors and the JSON metadata stored in a safetensors file (verified)."""
    path = Path(path)
    _check_file(path, expected_sha)
    try:
        tensors = load_file(str(path))
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
    except (SafetensorError, OSError, ValueError) as e:
        raise WeightsError(f"{path}: not a readable safetensors file ({str(e).splitlines()[0]})") from e
    info = json.loads(meta.get("blurtrace", "{}"))
    return tensors, info


def resolve(task: str, weights: str | Path | None = None) -> tuple[dict[str, torch.Tensor], dict, Path]:
    """Find and verify the weights for ``task``: an explicit file, or the name of an installed
    model (``blurtrace models``), else the default entry.

    Returns tensors, their metadata (``architecture``, ``task``, …) and the file's path.
    """
    if weights is not None and not Path(weights).exists() and Path(weights).suffix != ".safetensors":
        weights = _named_entry(str(weights), task).file
    if weights is not None:
        path = Path(weights)
        # a file that is also in the manifest is still checked against its sha256
        sha = next((e.sha256 for e in list_entries(path.parent) if e.file.resolve() == path.resolve()), None) if path.exists() else None
        tensors, info = load_state(path, expected_sha=sha)
    else:
        entry = default_entry(task)
        tensors, info = load_state(entry.file, expected_sha=entry.sha256)
        path = entry.file
    if info.get("task") not in (None, task):
        raise WeightsError(f"{path}: holds {info.get('task')} weights, not {task} weights")
    return tensors, info, path


def export(state_dict: dict[str, torch.Tensor], path: Path, *, task: str, architecture: dict, info: dict) -> str:
    """Write a safetensors file whose metadata describes it; returns its sha256."""
    meta = {"blurtrace": json.dumps({"task": task, "architecture": architecture, **info})}
    tensors = {k: v.detach().contiguous().cpu() for k, v in state_dict.items()}
    with atomic_output(Path(path)) as tmp:
        save_file(tensors, str(tmp), metadata=meta)
    return sha256_file(Path(path))


def register(folder: Path, *, name: str, file: str, task: str, architecture: dict, info: dict, default: bool) -> None:
    """Add or replace a manifest entry (sha256 computed from the file on disk)."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    manifest.setdefault("models", {})[name] = {"file": file, "sha256": sha256_file(folder / file), "task": task, "architecture": architecture, **info}
    if default:
        manifest.setdefault("defaults", {})[task] = name
    with atomic_output(folder / MANIFEST) as tmp:
        Path(tmp).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
