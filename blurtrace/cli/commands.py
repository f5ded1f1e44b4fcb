"""The ``blurtrace`` command line: parse, call the library, print.

Heavy modules (torch, the models) are imported inside each command, so ``blurtrace --help``
and ``--version`` answer at once. stdout carries results only; progress and logs go to stderr.
Exit codes (DESIGN §3): 0 all good; 1 some inputs failed; 2 usage error; 3 environment problem.
"""
from __future__ import annotations

import json
import shlex
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Callable, List, Optional

import typer

from .._version import __version__

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, EXIT_ENV = 0, 1, 2, 3

app = typer.Typer(
    name="blurtrace",
    help="Recover how a photo was blurred — a time-ordered exposure trajectory for every pixel — "
    "then deblur it, draw the motion, or turn it into a slow-motion video.",
    epilog="Examples:\n\n  blurtrace deblur photo.jpg\n\n  blurtrace trajectory photo.jpg --overlay\n\n"
    "  blurtrace video photo.jpg --frames 60 out.mp4\n\n  blurtrace deblur holiday/ -r -o sharp/\n\n"
    "Environment: BLURTRACE_SYSTEM_MALLOC=1 leaves the C allocator as it is (by default blurtrace lets "
    "glibc keep freed memory for reuse: faster networks on CPU, a higher peak memory; see the README).",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
train_app = typer.Typer(help="Train models on your own data.", no_args_is_help=True)
eval_app = typer.Typer(help="Score models on a dataset folder (paper tables, benchmarks).", no_args_is_help=True)
photos_app = typer.Typer(help="Training images: fetch the freely licensed photos (package registries only), cut tiles, make dead leaves.", no_args_is_help=True)
app.add_typer(train_app, name="train")
app.add_typer(eval_app, name="eval")
app.add_typer(photos_app, name="photos")


class Constraint(str, Enum):
    none = "none"
    linear = "linear"
    bilinear = "bilinear"
    quadratic = "quadratic"


class Light(str, Enum):
    gamma = "gamma"
    linear = "linear"


class Motion(str, Enum):
    flow = "flow"
    camera = "camera"
    dynamic = "dynamic"


class Device(str, Enum):
    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"
    mps = "mps"


class IfExists(str, Enum):
    skip = "skip"
    overwrite = "overwrite"
    error = "error"


class Method(str, Enum):
    auto = "auto"
    net = "net"
    deconv = "deconv"


class Ensemble(str, Enum):
    """Test-time ensemble sizes: ``blurtrace.inference.ensemble.ENSEMBLES`` spelled out here, since that
    module imports torch and ``--help`` must not."""

    one = "1"
    two = "2"
    four = "4"
    eight = "8"


class Precision(str, Enum):
    auto = "auto"
    fp32 = "fp32"
    bf16 = "bf16"


PRECISION_HELP = ("The networks' arithmetic: bf16 runs their convolutions in bfloat16 (measured on a CPU with native "
                  "bfloat16: 1.4–1.9× faster, deblurring 0.01 dB lower, trajectories the same to 0.001 px); "
                  "auto: bf16 on such CPUs, else fp32.")

ENSEMBLE_HELP = ("Average the networks over this many mirrors of the photo (flips, then transposes): "
                 "that many times the time, slightly better trajectories and deblurring.")


class Head(str, Enum):
    transposed = "transposed"
    bilinear = "bilinear"


class Backbone(str, Enum):
    dmphn = "dmphn"
    unet = "unet"


class Schedule(str, Enum):
    linear = "linear"
    cosine = "cosine"
    constant = "constant"


class TrainPrecision(str, Enum):
    fp32 = "fp32"
    bf16 = "bf16"


TRAIN_PRECISION_HELP = ("The forward pass's arithmetic: bf16 autocasts it (faster steps on a CPU with native bfloat16, "
                        "python benchmarks/train_speed.py; emulated and slower without); weights, optimizer and loss stay float32.")


def _err(msg: str) -> None:
    typer.echo(f"blurtrace: {msg}", err=True)


def _fail(msg: str, code: int) -> "typer.Exit":
    _err(msg)
    return typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"blurtrace {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    pass


class _Progress:
    """A Rich progress bar on stderr that stays silent when stderr is not a terminal."""

    def __init__(self, label: str, total: int | None) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        console = Console(stderr=True)
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[info]}"),
                                 TimeElapsedColumn(), TimeRemainingColumn(), console=console, disable=not console.is_terminal, transient=False)
        self.task = self.progress.add_task(label, total=total, info="")

    def __enter__(self):
        self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc)

    def update(self, completed: int, info: str = "") -> None:
        self.progress.update(self.task, completed=completed, info=info)


def _environment_errors():
    """Exceptions that mean 'the environment is wrong' (exit code 3), imported lazily."""
    from ..device import DeviceUnavailable
    from ..weights import WeightsError

    return (WeightsError, DeviceUnavailable)


def _print_result(result: dict, as_json: bool) -> None:
    """One JSON object per input with --json (failed and skipped ones too), else the output path of each success."""
    if as_json:
        typer.echo(json.dumps(result))
    elif result.get("status", "ok") == "ok":
        typer.echo(result.get("output", ""))


def _finish(summary, verb: str) -> None:
    n_done, n_fail, n_skip = len(summary.done), len(summary.failed), len(summary.skipped)
    parts = [f"{n_done} photo{'' if n_done == 1 else 's'} {verb}"]
    if n_skip:
        parts.append(f"{n_skip} skipped (output exists)")
    if n_fail:
        parts.append(f"{n_fail} failed")
    if summary.ignored_entries:
        parts.append(f"{summary.ignored_entries} non-image or hidden entries ignored")
    if summary.interrupted:
        cut, rest = (summary.not_done[0], len(summary.not_done) - 1) if summary.not_done else (None, 0)
        parts.append(f"interrupted{f' during {cut}' if cut else ''} (nothing half-written), {rest} not started; "
                     "rerun with --if-exists skip to finish")
    _err(", ".join(parts))
    raise typer.Exit(summary.exit_code)


def _run_batch(label: str, jobs, ignored: int, job_fn, *, device, if_exists, as_json: bool, verb: str) -> None:
    """Run a loaded job over every input with a progress bar, then summarise and exit."""
    from .jobs import run

    _report_device(job_fn.predictor.device, device)
    with _Progress(label, len(jobs)) as bar:
        summary = run(jobs, job_fn, if_exists=if_exists.value, on_result=lambda j, r: _print_result(r, as_json), progress=bar.update)
    summary.ignored_entries = ignored
    _finish(summary, verb)


def _plan(inputs, output, suffix, ext, recursive):
    from .jobs import plan

    try:
        return plan(inputs, output=output, suffix=suffix, ext=ext, recursive=recursive)
    except (FileNotFoundError, ValueError) as e:  # no such input; outputs that would collide
        raise _fail(str(e), EXIT_USAGE)


# --------------------------------------------------------------------------- trajectory


@app.command(epilog="Examples:\n\n  blurtrace trajectory photo.jpg --overlay\n\n"
             "  blurtrace trajectory photo.jpg --save-offsets photo.npz\n\n  blurtrace trajectory shots/ -r --magnitude -o out/")
def trajectory(
    inputs: List[str] = typer.Argument(..., help="Photos, folders or glob patterns.", metavar="INPUT..."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Output file (one input) or folder (many). Default: next to each input."),
    overlay: bool = typer.Option(False, "--overlay", help="Write trajectories drawn over the photo (NAME.trajectory.png). The default when nothing else is asked for."),
    magnitude: bool = typer.Option(False, "--magnitude", help="Write a blur-magnitude map (NAME.blurmap.png)."),
    save_offsets: Optional[Path] = typer.Option(None, "--save-offsets", help="Write the offsets contract (.npz): a file for one input, a folder for many."),
    n_offsets: Optional[int] = typer.Option(None, "--n-offsets", min=1, help="Times to store in --save-offsets (default: the model's N)."),
    spacing: int = typer.Option(32, "--spacing", min=2, help="Overlay: grid spacing in pixels."),
    magnify: Optional[float] = typer.Option(None, "--magnify", min=0.01, help="Overlay: scale trajectories by this (default: auto for short blur)."),
    line_width: float = typer.Option(2.0, "--line-width", min=0.5, help="Overlay: line width in pixels."),
    weights: Optional[Path] = typer.Option(None, "--weights", envvar="BLURTRACE_TRAJECTORY_WEIGHTS", dir_okay=False, help="Trajectory weights: a .safetensors file or an installed model name (`blurtrace models`). Default: the shipped model."),
    ensemble: Ensemble = typer.Option(Ensemble.one, "--ensemble", help=ENSEMBLE_HELP),
    precision: Precision = typer.Option(Precision.auto, "--precision", help=PRECISION_HELP),
    device: Device = typer.Option(Device.auto, "--device", help="Where to run."),
    recursive: bool = typer.Option(False, "-r", "--recursive", help="Descend into sub-folders."),
    if_exists: IfExists = typer.Option(IfExists.overwrite, "--if-exists", help="What to do when an output exists."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per input on stdout."),
) -> None:
    """Estimate each pixel's exposure trajectory; draw it, map it, or save it."""
    from .jobs import check_collisions

    if not (overlay or magnitude or save_offsets):
        overlay = True
    suffix, ext = (".trajectory", ".png") if overlay else (".blurmap", ".png") if magnitude else (".offsets", ".npz")
    jobs, ignored = _plan(inputs, output, suffix, ext, recursive)
    if save_offsets is not None and len(jobs) > 1 and save_offsets.suffix:
        raise _fail("--save-offsets must name a folder when there are several inputs", EXIT_USAGE)
    try:
        from .pipeline import TrajectoryJob

        job_fn = TrajectoryJob(weights=weights, device=device.value, ensemble=int(ensemble.value), precision=precision.value, overlay=overlay, magnitude=magnitude, save_offsets=save_offsets,
                               multiple=len(jobs) > 1, n_offsets=n_offsets, spacing=spacing, magnify=magnify, line_width=line_width)
    except _environment_errors() as e:
        raise _fail(str(e), EXIT_ENV)
    if save_offsets is not None:
        try:
            check_collisions([(j.src, job_fn.offsets_path(j)) for j in jobs])
        except ValueError as e:
            raise _fail(f"--save-offsets: {e}", EXIT_USAGE)
    _run_batch("trajectory", jobs, ignored, job_fn, device=device, if_exists=if_exists, as_json=as_json, verb="traced")


# --------------------------------------------------------------------------- deblur


@app.command(epilog="Examples:\n\n  blurtrace deblur photo.jpg\n\n  blurtrace deblur photo.jpg -o sharp.png --method deconv --iterations 50\n\n"
             "  blurtrace deblur holiday/ -r -o sharp/ --if-exists skip --json\n\n"
             "  blurtrace deblur photo.jpg --deblur-weights deblur-unet16   (half the network's time, a little less sharp)")
def deblur(
    inputs: List[str] = typer.Argument(..., help="Photos, folders or glob patterns.", metavar="INPUT..."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Output file (one input) or folder (many). Default: NAME.deblurred.EXT next to each input."),
    method: Method = typer.Option(Method.auto, "--method", help="net: the motion-aware deblurring network; deconv: invert the estimated blur (no extra weights, slower; for blur the network never saw); auto: net when its weights are installed."),
    iterations: int = typer.Option(30, "--iterations", min=1, help="deconv: Richardson–Lucy iterations (more: sharper and slower)."),
    weights: Optional[Path] = typer.Option(None, "--weights", envvar="BLURTRACE_TRAJECTORY_WEIGHTS", dir_okay=False, help="Trajectory weights: a .safetensors file or an installed model name (`blurtrace models`). Default: those the deblurring weights were fine-tuned with, else the shipped model."),
    deblur_weights: Optional[Path] = typer.Option(None, "--deblur-weights", envvar="BLURTRACE_DEBLUR_WEIGHTS", dir_okay=False, help="Deblurring network weights: a .safetensors file or an installed model name (`blurtrace models`). Default: the shipped model."),
    ensemble: Ensemble = typer.Option(Ensemble.one, "--ensemble", help=ENSEMBLE_HELP),
    precision: Precision = typer.Option(Precision.auto, "--precision", help=PRECISION_HELP),
    device: Device = typer.Option(Device.auto, "--device", help="Where to run."),
    recursive: bool = typer.Option(False, "-r", "--recursive", help="Descend into sub-folders."),
    if_exists: IfExists = typer.Option(IfExists.overwrite, "--if-exists", help="What to do when an output exists."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per input on stdout."),
) -> None:
    """Remove motion blur: estimate each pixel's exposure trajectory, then undo the blur along it."""
    jobs, ignored = _plan(inputs, output, ".deblurred", None, recursive)
    try:
        from .pipeline import DeblurJob

        job_fn = DeblurJob(weights=weights, deblur_weights=deblur_weights, device=device.value, method=method.value, iterations=iterations,
                           ensemble=int(ensemble.value), precision=precision.value)
    except _environment_errors() as e:
        raise _fail(str(e), EXIT_ENV)
    _run_batch("deblur", jobs, ignored, job_fn, device=device, if_exists=if_exists, as_json=as_json, verb="deblurred")


# --------------------------------------------------------------------------- video


@app.command(epilog="Examples:\n\n  blurtrace video photo.jpg out.mp4 --frames 60\n\n  blurtrace video photo.jpg out.gif --frames 24 --fps 12 --boomerang\n\n"
             "  blurtrace video photo.jpg frames/ --frames 9      (numbered PNG frames)")
def video(
    input: Path = typer.Argument(..., help="A blurry photo."),
    output: Path = typer.Argument(..., help="Video file (.mp4 H.264, .gif, .webp) or a folder for PNG frames."),
    frames: int = typer.Option(60, "--frames", min=1, help="Number of frames; frame k shows exposure time -1 + 2k/(K-1)."),
    fps: float = typer.Option(30.0, "--fps", min=0.1, help="Frames per second."),
    boomerang: bool = typer.Option(False, "--boomerang", help="Play forwards then backwards (time direction is ambiguous anyway)."),
    reverse: bool = typer.Option(False, "--reverse", help="Run time the other way."),
    side_by_side: bool = typer.Option(False, "--side-by-side", help="Show the blurry input on the left."),
    method: Method = typer.Option(Method.auto, "--method", help="How to deblur the photo the frames warp: net, deconv or auto (see `blurtrace deblur --help`)."),
    iterations: int = typer.Option(30, "--iterations", min=1, help="deconv: Richardson–Lucy iterations."),
    weights: Optional[Path] = typer.Option(None, "--weights", envvar="BLURTRACE_TRAJECTORY_WEIGHTS", dir_okay=False, help="Trajectory weights: a .safetensors file or an installed model name (`blurtrace models`). Default: those the deblurring weights were fine-tuned with, else the shipped model."),
    deblur_weights: Optional[Path] = typer.Option(None, "--deblur-weights", envvar="BLURTRACE_DEBLUR_WEIGHTS", dir_okay=False, help="Deblurring network weights: a .safetensors file or an installed model name (`blurtrace models`). Default: the shipped model."),
    ensemble: Ensemble = typer.Option(Ensemble.one, "--ensemble", help=ENSEMBLE_HELP),
    precision: Precision = typer.Option(Precision.auto, "--precision", help=PRECISION_HELP),
    device: Device = typer.Option(Device.auto, "--device", help="Where to run."),
    if_exists: IfExists = typer.Option(IfExists.overwrite, "--if-exists", help="What to do when the output exists."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary (frames, codec, size) on stdout."),
) -> None:
    """Turn one blurry photo into a slow-motion video along its exposure (Eq. 17)."""
    from ..io import ImageReadError, ImageWriteError
    from ..io.video import EncoderError

    if not input.exists():  # as for the batch commands: a usage error
        raise _fail(f"{input}: no such file or directory", EXIT_USAGE)
    if output.exists() and if_exists is not IfExists.overwrite and not (output.is_dir() and not any(output.iterdir())):
        if if_exists is IfExists.skip:
            _err(f"{output}: exists, skipped")
            raise typer.Exit(EXIT_OK)
        raise _fail(f"{output}: already exists (use --if-exists overwrite or skip)", EXIT_SOME_FAILED)
    try:
        from .pipeline import VideoJob

        job = VideoJob(weights=weights, deblur_weights=deblur_weights, device=device.value, method=method.value, iterations=iterations,
                       ensemble=int(ensemble.value), precision=precision.value)
    except _environment_errors() as e:
        raise _fail(str(e), EXIT_ENV)
    except ValueError as e:
        raise _fail(str(e), EXIT_USAGE)
    _report_device(job.predictor.device, device)
    try:
        with _Progress("video", frames * 2 - 2 if boomerang and frames > 1 else frames) as bar:
            info = job(input, output, frames=frames, fps=fps, boomerang=boomerang, reverse=reverse, side_by_side=side_by_side, progress=bar.update)
    except EncoderError as e:
        raise _fail(str(e), EXIT_ENV)
    except (ImageReadError, ImageWriteError, OSError) as e:
        raise _fail(str(e), EXIT_SOME_FAILED)
    except ValueError as e:
        raise _fail(str(e), EXIT_USAGE)
    _print_result(info, as_json)


def _report_device(dev, asked) -> None:
    if asked is Device.auto:
        _err(f"device: {dev} (auto)")


# --------------------------------------------------------------------------- reblur


@app.command(epilog="Examples:\n\n  blurtrace reblur sharp.png --offsets blurry.npz -o reblurred.png\n\n"
             "  blurtrace reblur sharp.png --like blurry.jpg -o reblurred.png")
def reblur(
    sharp: Path = typer.Argument(..., help="The sharp image to blur.", exists=False),
    offsets: Optional[Path] = typer.Option(None, "--offsets", help="Offsets file (.npz, see DESIGN §2)."),
    like: Optional[Path] = typer.Option(None, "--like", help="Estimate the blur of this photo and apply it."),
    output: Path = typer.Option(..., "-o", "--output", help="Output image."),
    light: Optional[Light] = typer.Option(None, "--light", help="Average in gamma or linear light (default: what the offsets say)."),
    weights: Optional[Path] = typer.Option(None, "--weights", envvar="BLURTRACE_TRAJECTORY_WEIGHTS", dir_okay=False, help="Trajectory weights for --like: a .safetensors file or an installed model name."),
    device: Device = typer.Option(Device.auto, "--device", help="Where to run."),
) -> None:
    """Blur a sharp image along given (or estimated) exposure trajectories (Eq. 3)."""
    if (offsets is None) == (like is None):
        raise _fail("give exactly one of --offsets F.npz or --like BLURRY", EXIT_USAGE)
    from ..io import ImageReadError, ImageWriteError, OffsetsFileError
    from .pipeline import reblur_file

    try:
        reblur_file(sharp, output, offsets=offsets, like=like, light=None if light is None else light.value, weights=weights, device=device.value)
    except _environment_errors() as e:
        raise _fail(str(e), EXIT_ENV)
    except (ImageReadError, ImageWriteError, OffsetsFileError, ValueError, OSError) as e:
        raise _fail(str(e), EXIT_SOME_FAILED)
    typer.echo(str(output))


# --------------------------------------------------------------------------- synth


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise typer.BadParameter(f"size must look like 640x360, not {text!r}")
    return w, h


@app.command(epilog="Examples:\n\n  blurtrace synth data/photos/tiles/train data/synth-dynamic --count 500 --motion dynamic\n\n"
             "  blurtrace synth my_photos/ eval/ --count 100 --size 640x360 --gt-times 15 --seed 7\n\n"
             "  blurtrace synth my_photos/ gopro-like/ --motion dynamic --max-blur 24 --light gamma")
def synth(
    photos_dir: Path = typer.Argument(..., help="Folder of sharp photos (searched recursively)."),
    out_dir: Path = typer.Argument(..., help="Dataset folder to write (GoPro layout + gt/ + frames/)."),
    count: int = typer.Option(100, "--count", min=1, help="Number of pairs."),
    motion: Motion = typer.Option(Motion.camera, "--motion", help="flow: per-pixel linear (Gong et al.); camera: non-linear shake; dynamic: camera + moving objects."),
    seed: int = typer.Option(0, "--seed", help="Pair i depends only on (seed, i): reruns resume."),
    size: str = typer.Option("256x256", "--size", help="Output size WIDTHxHEIGHT."),
    max_blur: float = typer.Option(12.0, "--max-blur", min=0.0, help="Largest background endpoint displacement, pixels."),
    noise: float = typer.Option(0.01, "--noise", min=0.0, help="Largest Gaussian noise σ (values in [0, 1])."),
    gt_times: int = typer.Option(9, "--gt-times", min=3, help="Times the true trajectory and frames are stored at (odd)."),
    defocus: float = typer.Option(0.0, "--defocus", min=0.0, max=32.0, help="Largest lens-blur radius (pixels) of an out-of-focus background, kept in the sharp image too; half the pairs get some, moving objects stay in focus. 0: all in focus."),
    light: Light = typer.Option(Light.linear, "--light", help="Average the exposure's frames in linear light (physical) or in gamma (their sRGB values, as the GoPro dataset averaged video frames); the same scenes and truth either way."),
) -> None:
    """Make blurry/sharp pairs with true trajectories and true frames."""
    from ..data.synth import SynthConfig, synthesize

    w, h = _size(size)
    try:
        config = SynthConfig(height=h, width=w, motion=motion.value, max_extent=max_blur, noise=noise, gt_times=gt_times, defocus=defocus, light=light.value)
    except ValueError as e:
        raise _fail(str(e), EXIT_USAGE)
    _generate("synth", out_dir, count, lambda update: synthesize(photos_dir, out_dir, count=count, config=config, seed=seed, progress=update),
              done="pairs rendered", kept="complete pairs")


def _generate(label: str, out_dir: Path, count: int, make: Callable[[Callable[[int], None]], int], *, done: str, kept: str) -> None:
    """Run a resumable generator ``make(progress) -> how many made now`` with a progress bar; print
    the folder on stdout. Missing inputs are usage errors; Ctrl-C keeps what is complete."""
    try:
        with _Progress(label, count) as bar:
            made = make(bar.update)
    except FileNotFoundError as e:
        raise _fail(str(e), EXIT_USAGE)
    except KeyboardInterrupt:
        raise _fail(f"interrupted: {kept} are kept, rerun the same command to resume", 130)
    _err(f"{made} {done}, {count - made} already present, in {out_dir}")
    typer.echo(str(out_dir))


# --------------------------------------------------------------------------- train

# Options both `train` commands take; each command sets its own default.
TrainData = Annotated[Path, typer.Option("--data", help="Paired folder (GoPro layout, side-by-side, or `blurtrace synth` output with truth).")]
TrainOut = Annotated[Path, typer.Option("--out", help="Run folder: checkpoints (last.pt, best.pt), log.jsonl (quality against CPU time), command.txt.")]
TrainVal = Annotated[Optional[Path], typer.Option("--val", help="Held-out paired folder scored every --val-every steps.")]
TrainSteps = Annotated[int, typer.Option("--steps", min=1, help="Total steps of the schedule.")]
TrainStopAfter = Annotated[Optional[int], typer.Option("--stop-after", min=1, help="Stop this call after N more steps (resume later).")]
TrainBatch = Annotated[int, typer.Option("--batch-size", min=1)]
TrainCrop = Annotated[int, typer.Option("--crop", min=16, help="Square crop side.")]
TrainSchedule = Annotated[Schedule, typer.Option("--schedule", help="Decay after warm-up (the paper trains the trajectory network with linear to 0).")]
TrainPrecisionOpt = Annotated[TrainPrecision, typer.Option("--precision", help=TRAIN_PRECISION_HELP)]
TrainWarmup = Annotated[int, typer.Option("--warmup", min=0)]
TrainSeed = Annotated[int, typer.Option("--seed")]
TrainValEvery = Annotated[int, typer.Option("--val-every", min=1)]
TrainCheckpointEvery = Annotated[int, typer.Option("--checkpoint-every", min=1)]
TrainDevice = Annotated[Device, typer.Option("--device")]
TrainThreads = Annotated[Optional[int], typer.Option("--threads", min=1, help="CPU threads (default: PyTorch's choice).")]
TrainFresh = Annotated[bool, typer.Option("--fresh", help="Ignore an existing checkpoint in --out (default: resume).")]


@train_app.command("trajectory", epilog="Examples (the shipped model, see weights/README.md; fine-tuning it on your own pairs):\n\n"
                   "  blurtrace train trajectory --data data/train --val data/val --out runs/traj --steps 20000\n\n"
                   "  blurtrace train trajectory --data my_pairs --out runs/mine --steps 2000 --lr 1e-4 --warmup 0\n"
                   "  --init blurtrace/weights/trajectory-quadratic.safetensors")
def train_trajectory_cmd(
    data: TrainData,
    out: TrainOut,
    val: TrainVal = None,
    steps: TrainSteps = 20_000,
    stop_after: TrainStopAfter = None,
    batch_size: TrainBatch = 8,
    crop: TrainCrop = 128,
    lr: float = typer.Option(5e-4, "--lr", help="Peak learning rate (the paper: 1e-4)."),
    schedule: TrainSchedule = Schedule.linear,
    precision: TrainPrecisionOpt = TrainPrecision.fp32,
    warmup: TrainWarmup = 200,
    constraint: Constraint = typer.Option(Constraint.quadratic, "--constraint"),
    n_offsets: int = typer.Option(15, "--n-offsets", min=2, help="N, offsets averaged by the blur model."),
    width: int = typer.Option(16, "--width", min=1, help="Channels of the first level (Table 1: 16)."),
    blocks: int = typer.Option(3, "--blocks", min=0, help="Residual blocks per level (Table 1: 3)."),
    head: Head = typer.Option(Head.bilinear, "--head", help="transposed: Table 1 verbatim; bilinear: cheaper full-resolution output."),
    input_scale: int = typer.Option(1, "--input-scale", min=1, max=4, help="Read the photo at 1/k resolution (1, 2 or 4): k² less compute."),
    light: Light = typer.Option(Light.linear, "--light", help="Space the blur model averages in (synth data: linear; GoPro: gamma)."),
    ssim_weight: float = typer.Option(0.1, "--ssim-weight", min=0.0),
    reg_weight: float = typer.Option(2e-5, "--reg-weight", min=0.0),
    tv_weight: float = typer.Option(5e-4, "--tv-weight", min=0.0),
    traj_weight: float = typer.Option(0.02, "--traj-weight", min=0.0, help="Weight of the true-trajectory term (synthetic data only)."),
    seed: TrainSeed = 0,
    val_every: TrainValEvery = 1000,
    checkpoint_every: TrainCheckpointEvery = 250,
    device: TrainDevice = Device.auto,
    threads: TrainThreads = None,
    init: Optional[Path] = typer.Option(None, "--init", exists=True, dir_okay=False, help="Start a new run from these trajectory weights (e.g. the shipped blurtrace/weights/trajectory-quadratic.safetensors) instead of random ones; the network options must match them, but for --input-scale (e.g. adapting full-resolution weights to a half-resolution input) and --guide (a guided network grows from blind weights)."),
    guide: Optional[str] = typer.Option(None, "--guide", help="Train a guided network: it reads, beside the photo, what these deblurring weights (a file or an installed name, e.g. deblur-unet24-mix) make of it. --init from blind weights starts it from their exact output."),
    fresh: TrainFresh = False,
) -> None:
    """Train the trajectory network (Eq. 6–11, plus the true trajectory on synthetic data).

    Resumes from OUT/last.pt. Under `torchrun --nproc-per-node K` it trains with
    DistributedDataParallel (gloo on CPU, nccl on CUDA).
    """
    from ..models.offset_net import OffsetNetConfig
    from ..train.losses import LossWeights
    from ..train.trajectory import TrajectoryTrainConfig, train_trajectory

    def config() -> TrajectoryTrainConfig:
        return TrajectoryTrainConfig(
            data=str(data), out=str(out), val=None if val is None else str(val),
            model=OffsetNetConfig(constraint=constraint.value, n_offsets=n_offsets, width=width, blocks=blocks, head=head.value, input_scale=input_scale,
                                  guided=guide is not None),
            steps=steps, batch_size=batch_size, crop=crop, lr=lr, schedule=schedule.value, warmup=warmup, light=light.value, guide=guide,
            weights=LossWeights(ssim=ssim_weight, reg=reg_weight, tv=tv_weight, trajectory=traj_weight),
            seed=seed, val_every=val_every, checkpoint_every=checkpoint_every, init=None if init is None else str(init), precision=precision.value,
        )

    _run_training(out, config, lambda cfg, dev, progress: train_trajectory(cfg, device=dev, resume=not fresh, stop_after=stop_after, progress=progress),
                  device=device, threads=threads, steps=steps, shown=("total", "epe"))


def _run_training(out: Path, config: Callable[[], object], train: Callable, *, device: Device, threads: Optional[int], steps: int, shown: tuple[str, ...]) -> None:
    """Build the run's config, resolve the device, record the command in OUT/command.txt and run
    ``train(config, device, progress)`` under a progress bar; every error mapped to its exit code."""
    import torch

    from ..device import resolve_device

    if threads:
        torch.set_num_threads(threads)
    try:
        cfg = config()
        dev = resolve_device(device.value)
    except ValueError as e:
        raise _fail(str(e), EXIT_USAGE)
    except _environment_errors() as e:
        raise _fail(str(e), EXIT_ENV)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "command.txt", "a") as f:
        f.write(shlex.join(["blurtrace", *sys.argv[1:]]) + "\n")
    _err(f"training on {dev}; checkpoint {out / 'last.pt'}")
    try:
        with _Progress("train", steps) as bar:
            outcome = train(cfg, dev, lambda s, n, t: bar.update(s, " ".join(f"{k} {v:.4g}" for k, v in t.items() if k in shown)))
    except (FileNotFoundError, ValueError) as e:
        raise _fail(str(e), EXIT_USAGE)
    except _environment_errors() as e:
        raise _fail(str(e), EXIT_ENV)
    except KeyboardInterrupt:
        raise _fail("interrupted: resume with the same command (last checkpoint kept)", 130)
    typer.echo(str(outcome.checkpoint))


@train_app.command("export", epilog="Example:\n\n  blurtrace train export runs/traj/last.pt --name trajectory-quadratic --default")
def train_export(
    checkpoint: Path = typer.Argument(..., help="A training checkpoint (last.pt)."),
    name: str = typer.Option(..., "--name", help="Model name in the manifest (file NAME.safetensors)."),
    dest: Optional[Path] = typer.Option(None, "--dest", help="Weights folder (default: the package's)."),
    data_note: str = typer.Option("", "--data-note", help="What the model was trained on (for the manifest)."),
    metrics_json: Optional[Path] = typer.Option(None, "--metrics", help="JSON file of evaluation figures to record."),
    default: bool = typer.Option(False, "--default", help="Make it the default model for its task."),
) -> None:
    """Turn a checkpoint into shipped weights: safetensors + manifest entry (sha256, command, data, metrics)."""
    from ..train.export import export_checkpoint

    try:
        path = export_checkpoint(checkpoint, name=name, dest=dest, data_note=data_note, metrics_path=metrics_json, default=default)
    except (OSError, ValueError, KeyError) as e:
        raise _fail(str(e), EXIT_SOME_FAILED)
    typer.echo(str(path))


@train_app.command("deblur", epilog="Example (the shipped model, see weights/README.md):\n\n"
                   "  blurtrace train deblur --data data/train --val data/val/dynamic --out runs/deblur --steps 8000\n\n"
                   "The ablation without motion-aware convolutions (paper Table 6):\n\n"
                   "  blurtrace train deblur --data data/train --out runs/backbone --motion-aware 0\n\n"
                   "The U-Net backbone at about DMPHN width 16's cost per pixel (scripts/train_deblur_unet.sh):\n\n"
                   "  blurtrace train deblur --data data/train --out runs/unet --backbone unet --width 24 --levels 4 --alpha 1\n\n"
                   "Fine-tuning the trajectory network with it (at 1/10 of the learning rate):\n\n"
                   "  blurtrace train deblur --data data/train --out runs/joint --finetune-trajectory 0.1")
def train_deblur_cmd(
    data: TrainData,
    out: TrainOut,
    val: TrainVal = None,
    steps: TrainSteps = 8_000,
    stop_after: TrainStopAfter = None,
    batch_size: TrainBatch = 8,
    crop: TrainCrop = 96,
    lr: float = typer.Option(5e-4, "--lr", help="Peak learning rate."),
    schedule: TrainSchedule = Schedule.cosine,
    precision: TrainPrecisionOpt = TrainPrecision.fp32,
    warmup: TrainWarmup = 200,
    width: int = typer.Option(16, "--width", min=1, help="Channels at full resolution (DMPHN: 32)."),
    backbone: Backbone = typer.Option(Backbone.dmphn, "--backbone", help="dmphn: the paper's multi-patch hierarchy; unet: one encoder–decoder with skips, about a third of the cost per pixel at the same width."),
    levels: int = typer.Option(3, "--levels", min=1, max=4, help="dmphn: multi-patch levels, 3 is DMPHN(1-2-4); unet: resolutions, 4 reaches 1/8."),
    motion_aware: int = typer.Option(1, "--motion-aware", min=0, max=4, help="Motion-aware convolutions in the last decoder stage (0: the plain backbone)."),
    motion_input: bool = typer.Option(False, "--motion-input", help="U-Net only: also feed each pixel's trajectory (length, orientation, bow; the same run either way in time) to its first convolution."),
    middle_blocks: int = typer.Option(2, "--middle-blocks", min=1, help="U-Net only: residual blocks at its lowest resolution (1/8 with --levels 4, where it sees the longest blur whole)."),
    alpha: float = typer.Option(0.1, "--alpha", help="Initial α of Eq. 16 (the paper: 0.1); with --init, α comes from the weights."),
    fixed_alpha: bool = typer.Option(False, "--fixed-alpha", help="Keep α fixed instead of learning it."),
    trajectory_weights: Optional[Path] = typer.Option(None, "--trajectory-weights", dir_okay=False, help="Trajectory network the motion-aware layers read (default: the shipped one)."),
    finetune_trajectory: float = typer.Option(0.0, "--finetune-trajectory", min=0.0, help="Fine-tune the trajectory network at this fraction of --lr (0: frozen, its estimates computed once per photo). Export then writes NAME-trajectory.safetensors too."),
    trajectory_loss: float = typer.Option(1.0, "--trajectory-loss", min=0.0, help="When fine-tuning: weight of the trajectory network's own loss (Eq. 11), which keeps its offsets a physical blur."),
    init: Optional[Path] = typer.Option(None, "--init", exists=True, dir_okay=False, help="Start a new run from these deblurring weights (e.g. the shipped blurtrace/weights/deblur-motion-aware.safetensors) instead of random ones. Weights with fewer --motion-aware convolutions grow into the network: the newly bent ones start at α = 0, the plain convolution they were; weights without --motion-input grow its input channels at zero; weights with fewer --middle-blocks grow new blocks that add nothing until trained."),
    seed: TrainSeed = 0,
    val_every: TrainValEvery = 500,
    checkpoint_every: TrainCheckpointEvery = 250,
    device: TrainDevice = Device.auto,
    threads: TrainThreads = None,
    fresh: TrainFresh = False,
) -> None:
    """Train the deblurring network (DMPHN + motion-aware convolutions, Eq. 16).

    The trajectories come from a trajectory network: frozen (estimated once per training photo) or
    fine-tuned along with the deblurring network (--finetune-trajectory). Resumes from OUT/last.pt; under `torchrun --nproc-per-node K` trains with DDP.
    """
    from ..models.deblur_net import DeblurNetConfig
    from ..train.deblur import DeblurTrainConfig, train_deblur
    from ..weights import resolve

    def config() -> DeblurTrainConfig:
        # the motion-aware layers read the trajectory network's parameterisation
        traj_arch = resolve("trajectory", trajectory_weights)[1].get("architecture", {})
        return DeblurTrainConfig(
            data=str(data), out=str(out), val=None if val is None else str(val),
            model=DeblurNetConfig(backbone=backbone.value, width=width, levels=levels, motion_aware=motion_aware, motion_input=motion_input, middle_blocks=middle_blocks, alpha=alpha, learn_alpha=not fixed_alpha,
                                  constraint=traj_arch.get("constraint", "quadratic"), n_offsets=traj_arch.get("n_offsets", 15)),
            trajectory_weights=None if trajectory_weights is None else str(trajectory_weights),
            trajectory_lr_factor=finetune_trajectory, trajectory_loss=trajectory_loss, init=None if init is None else str(init), steps=steps, batch_size=batch_size, crop=crop, lr=lr, schedule=schedule.value, warmup=warmup,
            seed=seed, val_every=val_every, checkpoint_every=checkpoint_every, precision=precision.value,
        )

    _run_training(out, config, lambda cfg, dev, progress: train_deblur(cfg, device=dev, resume=not fresh, stop_after=stop_after, progress=progress, on_status=_err),
                  device=device, threads=threads, steps=steps, shown=("loss", "psnr"))


# --------------------------------------------------------------------------- eval


@eval_app.command("trajectory", epilog="Example:\n\n  blurtrace eval trajectory data/eval-dynamic --json")
def eval_trajectory_cmd(
    data: Path = typer.Argument(..., help="Paired folder; `synth` output adds end-point errors."),
    weights: Optional[Path] = typer.Option(None, "--weights", envvar="BLURTRACE_TRAJECTORY_WEIGHTS", dir_okay=False, help="Trajectory weights: a .safetensors file or an installed model name (`blurtrace models`). Default: the shipped model."),
    ensemble: Ensemble = typer.Option(Ensemble.one, "--ensemble", help=ENSEMBLE_HELP),
    precision: Precision = typer.Option(Precision.auto, "--precision", help=PRECISION_HELP),
    light: Optional[Light] = typer.Option(None, "--light", help="Blur model light space (default: the model's)."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Score only the first N pairs."),
    device: Device = typer.Option(Device.auto, "--device"),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per pair, then one with the means."),
) -> None:
    """Reblur PSNR/SSIM against the blurry input (Table 2) and trajectory EPE up to time reversal."""
    from ..evaluation.evaluate import evaluate_trajectory

    try:
        rows, mean = evaluate_trajectory(data, weights=weights, light=None if light is None else light.value, limit=limit, device=device.value,
                                         ensemble=int(ensemble.value), precision=precision.value)
    except _environment_errors() as e:
        raise _fail(str(e), EXIT_ENV)
    except (FileNotFoundError, ValueError) as e:
        raise _fail(str(e), EXIT_USAGE)
    _print_table(rows, mean, as_json)


@eval_app.command("deblur", epilog="Example:\n\n  blurtrace eval deblur data/eval/dynamic-640x360 --limit 10 --json")
def eval_deblur_cmd(
    data: Path = typer.Argument(..., help="Paired folder (blur/ + sharp/)."),
    method: Method = typer.Option(Method.auto, "--method", help="net, deconv, or auto (net when its weights are installed)."),
    weights: Optional[Path] = typer.Option(None, "--weights", envvar="BLURTRACE_TRAJECTORY_WEIGHTS", dir_okay=False, help="Trajectory weights: a .safetensors file or an installed model name (`blurtrace models`). Default: those the deblurring weights were fine-tuned with, else the shipped model."),
    deblur_weights: Optional[Path] = typer.Option(None, "--deblur-weights", envvar="BLURTRACE_DEBLUR_WEIGHTS", dir_okay=False, help="Deblurring network weights: a .safetensors file or an installed model name (`blurtrace models`). Default: the shipped model."),
    ensemble: Ensemble = typer.Option(Ensemble.one, "--ensemble", help=ENSEMBLE_HELP),
    precision: Precision = typer.Option(Precision.auto, "--precision", help=PRECISION_HELP),
    iterations: int = typer.Option(30, "--iterations", min=1, help="deconv: Richardson–Lucy iterations."),
    true_trajectory: bool = typer.Option(False, "--true-trajectory", help="Deblur with the true trajectory of a synth dataset (what a perfect estimate would give)."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Score only the first N pairs."),
    device: Device = typer.Option(Device.auto, "--device"),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per pair, then one with the means."),
) -> None:
    """PSNR/SSIM of the deblurred photo against the sharp one, with the blurry input's, and seconds per image."""
    from ..evaluation.evaluate import evaluate_deblur

    try:
        rows, mean = evaluate_deblur(data, method=method.value, weights=weights, deblur_weights=deblur_weights, iterations=iterations, limit=limit,
                                     device=device.value, true_trajectory=true_trajectory, ensemble=int(ensemble.value),
                                     precision=precision.value)
    except _environment_errors() as e:
        raise _fail(str(e), EXIT_ENV)
    except (FileNotFoundError, ValueError) as e:
        raise _fail(str(e), EXIT_USAGE)
    _print_table(rows, mean, as_json)


def _print_table(rows: list[dict], mean: dict, as_json: bool) -> None:
    if as_json:
        for r in rows:
            typer.echo(json.dumps(r))
        typer.echo(json.dumps({"mean": mean}))
        return
    keys = [k for k in mean if isinstance(mean[k], (int, float))]
    typer.echo("\t".join(["name", *keys]))
    for r in rows:
        typer.echo("\t".join([str(r.get("name", "")), *(f"{r[k]:.4f}" if isinstance(r.get(k), float) else str(r.get(k, "")) for k in keys)]))
    typer.echo("\t".join(["MEAN", *(f"{mean[k]:.4f}" for k in keys)]))


# --------------------------------------------------------------------------- models


@app.command()
def models(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """List the installed weights and verify each file against its sha256."""
    from ..weights import (
        WeightsError,
        list_entries,
        load_state,
        read_manifest,
        weights_dir,
    )

    folder = weights_dir()
    try:
        defaults = read_manifest(folder).get("defaults", {})
        entries = list_entries(folder)
    except WeightsError as e:
        raise _fail(str(e), EXIT_ENV)
    bad = 0
    for e in entries:
        try:
            _, info = load_state(e.file, expected_sha=e.sha256)
            if info.get("task") not in (None, e.task):
                raise WeightsError(f"{e.file}: holds {info.get('task')} weights, but the manifest lists it as {e.task}")
            status = "ok"
        except WeightsError as err:
            status, bad = str(err), bad + 1
        row = {"name": e.name, "task": e.task, "default": defaults.get(e.task) == e.name, "file": str(e.file), "status": status,
               "metrics": e.info.get("metrics", {})}
        typer.echo(json.dumps(row) if as_json else f"{e.name}\t{e.task}{' (default)' if row['default'] else ''}\t{status}\t{e.file}")
    if not entries:
        _err(f"no weights installed in {folder}")
    if bad:
        raise _fail(f"{bad} of {len(entries)} weights files failed verification", EXIT_ENV)


# --------------------------------------------------------------------------- photos


@photos_app.command("fetch")
def photos_fetch(cache: Path = typer.Option(Path("data/photos"), "--cache", help="Cache folder.")) -> None:
    """Download the allowed photos (Debian packages, PyPI wheels) into CACHE/raw."""
    from ..data import photos

    raise typer.Exit(photos.main(["fetch", "--cache", str(cache)]) or 0)


@photos_app.command("tiles")
def photos_tiles(cache: Path = typer.Option(Path("data/photos"), "--cache", help="Cache folder.")) -> None:
    """Cut textured training tiles from the fetched photos into CACHE/tiles/{train,test}."""
    from ..data import photos

    raise typer.Exit(photos.main(["tiles", "--cache", str(cache)]) or 0)


@photos_app.command("dead-leaves", epilog="Example:\n\n  blurtrace photos dead-leaves data/photos/dead-leaves --count 300 --colours-from data/photos/tiles/train")
def photos_dead_leaves(
    out_dir: Path = typer.Argument(..., help="Folder to write dead-leaves-NNNNN.png into (a photo folder for `blurtrace synth`)."),
    colours_from: Path = typer.Option(..., "--colours-from", help="Folder of photos whose pixels make the palette."),
    count: int = typer.Option(100, "--count", min=1, help="Number of images."),
    size: str = typer.Option("512x512", "--size", help="Image size WIDTHxHEIGHT."),
    seed: int = typer.Option(0, "--seed", help="Image i depends only on (seed, i): reruns resume."),
    min_radius: float = typer.Option(1.0, "--min-radius", min=0.5, help="Smallest disc radius, pixels."),
    max_radius: float = typer.Option(100.0, "--max-radius", min=0.5, help="Largest disc radius, pixels."),
) -> None:
    """Procedural training images: dead leaves (random discs, radii ∝ r^-3) in real photos' colours."""
    from ..data.dead_leaves import write_dead_leaves

    w, h = _size(size)
    if min_radius > max_radius:
        raise _fail("--min-radius must not exceed --max-radius", EXIT_USAGE)
    _generate("dead leaves", out_dir, count,
              lambda update: write_dead_leaves(out_dir, count=count, size=(w, h), colours_from=colours_from, seed=seed,
                                               radius=(min_radius, max_radius), progress=update),
              done="images written", kept="written images")


def main() -> None:
    from ..allocator import keep_freed_memory

    keep_freed_memory()  # freed activations are reused instead of faulted in anew (blurtrace/allocator.py)
    try:
        app()
    except KeyboardInterrupt:
        _err("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
