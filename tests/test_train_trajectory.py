"""`blurtrace train trajectory` from the command line: starting from exported weights (--init)."""
import torch
from safetensors.torch import load_file
from typer.testing import CliRunner

from blurtrace.cli.commands import EXIT_USAGE, app
from blurtrace.data.synth import SynthConfig, synthesize
from blurtrace.weights import PACKAGE_WEIGHTS

runner = CliRunner()
SHIPPED = PACKAGE_WEIGHTS / "trajectory-quadratic.safetensors"


def test_init_starts_from_the_shipped_weights_and_refuses_a_different_network(tmp_path, photo_dir):
    synthesize(photo_dir, tmp_path / "pairs", count=2, config=SynthConfig(height=40, width=48, motion="camera", max_extent=3, gt_times=5), seed=0)
    common = ["train", "trajectory", "--data", str(tmp_path / "pairs"), "--steps", "1", "--batch-size", "1", "--crop", "32",
              "--lr", "0", "--warmup", "0", "--threads", "1", "--init", str(SHIPPED)]
    r = runner.invoke(app, [*common, "--out", str(tmp_path / "run")])
    assert r.exit_code == 0, r.output
    state = torch.load(tmp_path / "run" / "last.pt", map_location="cpu", weights_only=False)
    assert state["config"]["init"] == str(SHIPPED)
    shipped = load_file(SHIPPED)
    # learning rate 0: one step later the network is still exactly the shipped one
    assert shipped.keys() == state["model"].keys()
    assert all(torch.equal(shipped[k], state["model"][k]) for k in shipped)

    r = runner.invoke(app, [*common, "--out", str(tmp_path / "other"), "--width", "8"])
    assert r.exit_code == EXIT_USAGE and "network, not" in r.stderr

    # the input scale changes no tensor: full-resolution weights start a half-resolution network
    r = runner.invoke(app, [*common, "--out", str(tmp_path / "half"), "--input-scale", "2"])
    assert r.exit_code == 0, r.output
    state = torch.load(tmp_path / "half" / "last.pt", map_location="cpu", weights_only=False)
    assert state["config"]["model"]["input_scale"] == 2
    assert all(torch.equal(shipped[k], state["model"][k]) for k in shipped)


def test_bf16_autocasts_the_forward_pass_only(tmp_path, photo_dir):
    synthesize(photo_dir, tmp_path / "pairs", count=2, config=SynthConfig(height=40, width=48, motion="dynamic", max_extent=3, gt_times=5), seed=0)
    common = ["train", "trajectory", "--data", str(tmp_path / "pairs"), "--steps", "2", "--batch-size", "2", "--crop", "32",
              "--lr", "1e-3", "--warmup", "0", "--threads", "1", "--width", "4", "--blocks", "1", "--n-offsets", "5"]
    states = {}
    for precision in ("fp32", "bf16"):
        r = runner.invoke(app, [*common, "--out", str(tmp_path / precision), "--precision", precision])
        assert r.exit_code == 0, r.output
        states[precision] = torch.load(tmp_path / precision / "last.pt", map_location="cpu", weights_only=False)
    assert states["bf16"]["config"]["precision"] == "bf16"
    fp32, bf16 = states["fp32"]["model"], states["bf16"]["model"]
    assert all(bf16[k].dtype == torch.float32 and torch.isfinite(bf16[k]).all() for k in bf16)
    # Adam moves a weight by at most lr per step whatever precision its gradient had: the two runs
    # differ by at most 2 runs × 2 steps × lr
    assert max(float((bf16[k] - fp32[k]).abs().max()) for k in fp32) <= 2 * 2 * 1e-3 + 1e-6
    assert any(not torch.equal(bf16[k], fp32[k]) for k in fp32)  # bfloat16 arithmetic was used
    r = runner.invoke(app, [*common, "--out", str(tmp_path / "x"), "--precision", "auto"])
    assert r.exit_code == EXIT_USAGE
