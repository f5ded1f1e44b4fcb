"""Guided trajectory networks: the photo and a sharp estimate of it in, trajectories out; grown
from blind weights they start from the blind network's exact output (training, export, predictor)."""
import pytest
import torch
from safetensors.torch import load_file
from typer.testing import CliRunner

from blurtrace.cli.commands import app
from blurtrace.data.synth import SynthConfig, synthesize
from blurtrace.inference.predictors import TrajectoryPredictor
from blurtrace.models.offset_net import OffsetNet, OffsetNetConfig
from blurtrace.weights import PACKAGE_WEIGHTS, WeightsError, export

from conftest import textured_photo

runner = CliRunner()
SHIPPED = PACKAGE_WEIGHTS / "trajectory-quadratic.safetensors"


def test_a_guided_network_reads_six_channels_and_says_so_when_given_three():
    net = OffsetNet(OffsetNetConfig(width=4, blocks=1, guided=True)).eval()
    assert net(torch.rand(1, 6, 20, 24)).shape == (1, 4, 20, 24)
    with pytest.raises(ValueError, match="sharp estimate"):
        net(torch.rand(1, 3, 20, 24))
    with pytest.raises(ValueError, match="3 channels"):  # and the other way round
        OffsetNet(OffsetNetConfig(width=4, blocks=1))(torch.rand(1, 6, 20, 24))


def test_grown_from_the_shipped_weights_it_traces_exactly_like_them_until_trained(tmp_path, photo_dir):
    synthesize(photo_dir, tmp_path / "pairs", count=2, config=SynthConfig(height=40, width=48, motion="camera", max_extent=3, gt_times=5), seed=0)
    r = runner.invoke(app, ["train", "trajectory", "--data", str(tmp_path / "pairs"), "--steps", "1", "--batch-size", "1", "--crop", "32",
                            "--lr", "0", "--warmup", "0", "--threads", "1", "--init", str(SHIPPED), "--guide", "deblur-unet24-mix",
                            "--out", str(tmp_path / "run")])
    assert r.exit_code == 0, r.output
    state = torch.load(tmp_path / "run" / "last.pt", map_location="cpu", weights_only=False)
    assert state["config"]["guide"] == "deblur-unet24-mix" and state["config"]["model"]["guided"]
    shipped, grown = load_file(SHIPPED), state["model"]
    first = "level1.0.weight"
    assert grown[first].shape[1] == 2 * shipped[first].shape[1]
    assert torch.equal(grown[first][:, :12], shipped[first]) and not grown[first][:, 12:].any()
    assert all(torch.equal(shipped[k], grown[k]) for k in shipped if k != first)

    r = runner.invoke(app, ["train", "export", str(tmp_path / "run" / "last.pt"), "--name", "guided", "--dest", str(tmp_path / "w")])
    assert r.exit_code == 0, r.output
    photo = textured_photo(40, 56, seed=3)
    guided = TrajectoryPredictor(weights=tmp_path / "w" / "guided.safetensors", device="cpu", precision="fp32")
    assert guided.sharp_estimate is not None  # it deblurs the photo with the weights it names
    blind = TrajectoryPredictor(weights=SHIPPED, device="cpu", precision="fp32")
    torch.testing.assert_close(guided(photo).params, blind(photo).params, rtol=0, atol=1e-5)


def test_guided_weights_must_name_their_deblurring_weights(tmp_path):
    config = OffsetNetConfig(width=4, blocks=1, head="bilinear", guided=True)
    export(OffsetNet(config).state_dict(), tmp_path / "g.safetensors", task="trajectory", architecture=config.to_dict(), info={"light": "linear"})
    with pytest.raises(WeightsError, match="guide"):
        TrajectoryPredictor(weights=tmp_path / "g.safetensors", device="cpu")
