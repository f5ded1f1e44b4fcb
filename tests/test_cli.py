"""The command line through Typer's runner: contracts of DESIGN §3 (exit codes, stdout/stderr)."""
import json
import subprocess
import sys

import numpy as np
from conftest import textured_photo
from typer.testing import CliRunner

from blurtrace.cli.commands import app
from blurtrace.io import read_image, write_image

runner = CliRunner()


def test_help_and_version_do_not_import_torch():
    code = "import sys; from blurtrace.cli import app; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
    r = runner.invoke(app, ["--version"])
    assert r.exit_code == 0 and r.stdout.startswith("blurtrace ")
    r = runner.invoke(app, ["--help"])
    assert r.exit_code == 0 and "trajectory" in r.stdout and "Examples" in r.stdout


def test_usage_errors_exit_2(tmp_path):
    assert runner.invoke(app, ["synth", str(tmp_path), str(tmp_path / "o"), "--motion", "zoom"]).exit_code == 2
    assert runner.invoke(app, ["synth", str(tmp_path), str(tmp_path / "o"), "--size", "big"]).exit_code == 2
    r = runner.invoke(app, ["reblur", str(tmp_path / "x.png"), "-o", str(tmp_path / "y.png")])
    assert r.exit_code == 2 and "exactly one" in r.stderr


def test_reblur_with_offsets_file(tmp_path):
    from blurtrace.io import OffsetsFile, save_offsets

    img = textured_photo(20, 30)
    write_image(tmp_path / "sharp.png", img)
    off = np.zeros((3, 2, 20, 30), np.float32)
    off[:, 0] = np.array([-1, 0, 1], np.float32).reshape(3, 1, 1)  # 3-tap horizontal box
    save_offsets(tmp_path / "o.npz", OffsetsFile(offsets=off, times=np.array([-1, 0, 1], np.float32), start=None, end=None, constraint="none", light="gamma"))
    r = runner.invoke(app, ["reblur", str(tmp_path / "sharp.png"), "--offsets", str(tmp_path / "o.npz"), "-o", str(tmp_path / "out.png")])
    assert r.exit_code == 0, r.stderr
    out = read_image(tmp_path / "out.png").pixels.astype(float)
    ref = img[:, :-2].astype(float) / 3 + img[:, 1:-1] / 3 + img[:, 2:] / 3
    assert np.abs(out[:, 1:-1] - ref).max() <= 1.0
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not an npz")
    r = runner.invoke(app, ["reblur", str(tmp_path / "sharp.png"), "--offsets", str(bad), "-o", str(tmp_path / "o2.png")])
    assert r.exit_code == 1 and "Traceback" not in r.stderr and not (tmp_path / "o2.png").exists()


def test_synth_then_eval_needs_weights(tmp_path, photo_dir, monkeypatch):
    r = runner.invoke(app, ["synth", str(photo_dir), str(tmp_path / "ds"), "--count", "2", "--size", "48x40", "--motion", "flow", "--max-blur", "3"])
    assert r.exit_code == 0, r.stderr
    assert r.stdout.strip() == str(tmp_path / "ds")
    monkeypatch.setenv("BLURTRACE_WEIGHTS_DIR", str(tmp_path / "empty"))
    r = runner.invoke(app, ["eval", "trajectory", str(tmp_path / "ds")])
    assert r.exit_code == 3 and "weights" in r.stderr


def test_eval_trajectory_scores_a_synth_set(tiny_weights, tmp_path, photo_dir):
    r = runner.invoke(app, ["synth", str(photo_dir), str(tmp_path / "ds"), "--count", "2", "--size", "48x40", "--motion", "camera", "--max-blur", "3"])
    assert r.exit_code == 0, r.stderr
    r = runner.invoke(app, ["eval", "trajectory", str(tmp_path / "ds"), "--json", "--precision", "fp32"])
    assert r.exit_code == 0, r.stderr
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    mean = lines[-1]["mean"]
    assert len(lines) == 3 and mean["count"] == 2 and mean["precision"] == "fp32"
    assert mean["epe"] >= 0 and np.isfinite(mean["reblur_psnr"]) and mean["true_reblur_psnr"] > mean["reblur_psnr"]
    r = runner.invoke(app, ["eval", "trajectory", str(tmp_path / "ds"), "--json", "--limit", "1", "--precision", "bf16"])
    assert r.exit_code == 0 and json.loads(r.stdout.splitlines()[-1])["mean"]["precision"] == "bf16"
    assert runner.invoke(app, ["eval", "trajectory", str(tmp_path / "ds"), "--precision", "fp16"]).exit_code == 2
    src = tmp_path / "ds" / "blur"
    r = runner.invoke(app, ["trajectory", str(src), "--precision", "bf16", "--json", "-o", str(tmp_path / "tr")])
    assert r.exit_code == 0, r.stderr
    assert len(list((tmp_path / "tr").glob("*.trajectory.png"))) == 2


def test_choice_enums_match_the_library():
    # the CLI spells its choices out so that `--help` need not import torch; they must not drift
    from blurtrace.cli import commands as cli
    from blurtrace.cli.jobs import IF_EXISTS
    from blurtrace.data.motion import MOTIONS
    from blurtrace.device import DEVICES
    from blurtrace.inference.ensemble import ENSEMBLES
    from blurtrace.inference.precision import PRECISIONS
    from blurtrace.inference.predictors import DEBLUR_METHODS
    from blurtrace.models.deblur_net import BACKBONES
    from blurtrace.models.offset_net import HEADS
    from blurtrace.ops.color import LIGHTS
    from blurtrace.ops.trajectory import CONSTRAINTS
    from blurtrace.train.common import SCHEDULES, TRAIN_PRECISIONS

    pairs = [(cli.Constraint, CONSTRAINTS), (cli.Light, LIGHTS), (cli.Motion, MOTIONS), (cli.Device, DEVICES),
             (cli.IfExists, IF_EXISTS), (cli.Method, ("auto", *DEBLUR_METHODS)), (cli.Head, HEADS),
             (cli.Backbone, BACKBONES), (cli.Schedule, SCHEDULES), (cli.Ensemble, tuple(str(k) for k in ENSEMBLES)),
             (cli.Precision, PRECISIONS), (cli.TrainPrecision, TRAIN_PRECISIONS)]
    for enum, values in pairs:
        assert [e.value for e in enum] == list(values), enum.__name__
