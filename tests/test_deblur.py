"""The deblurring network end to end: training (resumable), export, predictor, CLI, eval."""
import json

import numpy as np
import pytest
import torch
from conftest import textured_photo
from typer.testing import CliRunner

from blurtrace.cli.commands import app
from blurtrace.data.datasets import PairedImages, find_pairs
from blurtrace.data.synth import SynthConfig, synthesize
from blurtrace.inference.predictors import (
    DeblurPredictor,
    TrajectoryPredictor,
    choose_deblur_method,
)
from blurtrace.inference.tiling import tiled_apply
from blurtrace.models.deblur_net import DeblurNetConfig
from blurtrace.train.deblur import DeblurTrainConfig, train_deblur
from blurtrace.train.export import export_checkpoint
from blurtrace.weights import read_manifest

runner = CliRunner()
TINY = DeblurNetConfig(width=4, levels=2, motion_aware=1, n_offsets=5)  # fits the tiny trajectory model (N = 5)


@pytest.fixture
def pairs(tmp_path, photo_dir):
    out = tmp_path / "pairs"
    synthesize(photo_dir, out, count=3, config=SynthConfig(height=40, width=48, motion="dynamic", max_extent=3, gt_times=5), seed=0)
    return out


def _config(pairs, out, **kw):
    base = dict(data=str(pairs), out=str(out), model=TINY, steps=4, batch_size=2, crop=32, warmup=1, checkpoint_every=2, log_every=1,
                val=str(pairs), val_every=2, val_limit=2)
    return DeblurTrainConfig(**{**base, **kw})


def test_train_resume_export_and_deblur(pairs, tmp_path, tiny_weights):
    out = tmp_path / "run"
    first = train_deblur(_config(pairs, out), device=torch.device("cpu"), stop_after=2)
    assert first.step == 2
    before = {k: v.clone() for k, v in first.model.state_dict().items()}
    second = train_deblur(_config(pairs, out), device=torch.device("cpu"))
    assert second.step == 4  # resumed, not restarted
    assert any(not torch.equal(before[k], v) for k, v in second.model.state_dict().items())
    log = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log if "val" in r] == [2, 4]
    assert all(np.isfinite(r["loss"]) and r["cpu_hours"] > 0 for r in log if "loss" in r)
    assert (out / "best.pt").exists()
    with pytest.raises(ValueError, match="holds a"):
        train_deblur(_config(pairs, out, model=DeblurNetConfig(width=8, levels=2, n_offsets=5)), device=torch.device("cpu"))

    path = export_checkpoint(out / "last.pt", name="tiny-deblur", dest=tiny_weights, default=True)
    entry = read_manifest(tiny_weights)["models"]["tiny-deblur"]
    assert entry["task"] == "deblur" and entry["architecture"] == TINY.to_dict()
    assert entry["training"]["steps"] == 4 and entry["training"]["trajectory_model"]["file"] == "tiny.safetensors"
    assert choose_deblur_method("auto") == "net"

    photo = textured_photo(37, 53).astype(np.float32) / 255
    traj = TrajectoryPredictor()(photo)
    deblurrer = DeblurPredictor()
    assert deblurrer.method == "net" and deblurrer.weights_path == path
    sharp = deblurrer(photo, traj)
    assert sharp.shape == photo.shape and sharp.dtype == np.float32 and 0 <= sharp.min() and sharp.max() <= 1
    # tiles cross-fade into the whole-image result (the network sees a different patch grid
    # per tile, so only close, not equal)
    tiled = DeblurPredictor(tile=32, overlap=16)(photo, traj)
    assert np.abs(tiled - sharp).mean() < 0.02
    # test-time ensemble: both stages average over mirrors, same shape, a different answer
    ensembled = DeblurPredictor(ensemble=2)
    assert ensembled.trajectory_predictor().ensemble == 2
    two = ensembled(photo, traj)
    assert two.shape == sharp.shape and 0 < np.abs(two - sharp).mean() < 0.05
    # bfloat16 arithmetic (the default on CPUs that have it): float32 output, the float32 answer to
    # within bfloat16's rounding
    fp32 = DeblurPredictor(precision="fp32")(photo, traj)
    bf16 = DeblurPredictor(precision="bf16")(photo, traj)
    assert bf16.dtype == np.float32 and 0 < np.abs(bf16 - fp32).max() < 0.02
    with pytest.raises(ValueError, match="precision"):
        DeblurPredictor(method="deconv", precision="fp16")

    src = tmp_path / "p.png"
    from PIL import Image

    Image.fromarray(textured_photo(40, 48)).save(src)
    r = runner.invoke(app, ["deblur", str(src), "--json"])
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["method"] == "net" and (tmp_path / "p.deblurred.png").exists()
    r = runner.invoke(app, ["deblur", str(src), "--method", "deconv", "--iterations", "2", "--json", "-o", str(tmp_path / "d.png")])
    assert r.exit_code == 0 and json.loads(r.stdout)["method"] == "deconv"
    r = runner.invoke(app, ["eval", "deblur", str(pairs), "--json", "--limit", "2"])
    assert r.exit_code == 0, r.stderr
    mean = json.loads(r.stdout.splitlines()[-1])["mean"]
    assert mean["count"] == 2 and np.isfinite(mean["psnr"]) and mean["seconds"] > 0
    r = runner.invoke(app, ["eval", "deblur", str(pairs), "--json", "--limit", "1", "--precision", "fp32"])
    mean = json.loads(r.stdout.splitlines()[-1])["mean"]
    assert r.exit_code == 0 and mean["precision"] == mean["trajectory_precision"] == "fp32"
    # deconvolution runs in float32 whatever is asked; its trajectory network follows --precision
    r = runner.invoke(app, ["eval", "deblur", str(pairs), "--json", "--limit", "1", "--method", "deconv", "--iterations", "1", "--precision", "bf16"])
    mean = json.loads(r.stdout.splitlines()[-1])["mean"]
    assert r.exit_code == 0 and (mean["precision"], mean["trajectory_precision"]) == ("fp32", "bf16")
    assert runner.invoke(app, ["deblur", str(src), "--precision", "fp16"]).exit_code == 2
    r = runner.invoke(app, ["eval", "deblur", str(pairs), "--json", "--limit", "1", "--true-trajectory"])
    assert r.exit_code == 0, r.stderr


def test_backbone_alone_skips_trajectories_and_draws_the_same_crops(pairs, tmp_path, tiny_weights, monkeypatch):
    """The ablation twin reads no trajectories, so none are estimated; its batches (crops, flips)
    must still be the motion-aware run's, step for step, or the two curves would not compare."""
    import blurtrace.train.deblur as deblur_module

    drawn: dict[str, list] = {"ma": [], "backbone": []}
    real_batch = PairedImages.batch
    key = {"now": "ma"}

    def recording_batch(self, rng, size, crop):
        batch = real_batch(self, rng, size, crop)
        drawn[key["now"]].append(batch.blurry.clone())
        return batch

    monkeypatch.setattr(PairedImages, "batch", recording_batch)
    messages: list[str] = []
    train_deblur(_config(pairs, tmp_path / "ma"), device=torch.device("cpu"), on_status=messages.append)
    assert any("estimating trajectories" in m for m in messages)
    estimated = []
    monkeypatch.setattr(deblur_module, "estimate_motion", lambda *a, **k: estimated.append(1))
    key["now"], messages = "backbone", []
    backbone = DeblurNetConfig(width=4, levels=2, motion_aware=0, n_offsets=5)
    out = train_deblur(_config(pairs, tmp_path / "bb", model=backbone), device=torch.device("cpu"), on_status=messages.append)
    assert out.step == 4 and not estimated and not any("estimating" in m for m in messages)
    assert len(drawn["ma"]) == len(drawn["backbone"]) == 4
    assert all(torch.equal(a, b) for a, b in zip(drawn["ma"], drawn["backbone"]))
    log = [json.loads(line) for line in (tmp_path / "bb" / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log if "val" in r] == [2, 4]  # validation runs without trajectories too


def test_without_deblur_weights_auto_means_deconv_and_net_is_an_environment_error(tmp_path, tiny_weights):
    assert choose_deblur_method("auto") == "deconv"
    src = tmp_path / "p.png"
    from PIL import Image

    Image.fromarray(textured_photo(40, 48)).save(src)
    r = runner.invoke(app, ["deblur", str(src), "--method", "net"])
    assert r.exit_code == 3 and "deblur" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "p.deblurred.png").exists()


def test_train_deblur_cli_usage_errors(pairs, tmp_path, tiny_weights):
    r = runner.invoke(app, ["train", "deblur", "--data", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o"), "--steps", "1"])
    assert r.exit_code == 2 and "nowhere" in r.stderr
    r = runner.invoke(app, ["train", "deblur", "--data", str(pairs), "--out", str(tmp_path / "o"), "--motion-aware", "7"])
    assert r.exit_code == 2
    r = runner.invoke(app, ["train", "deblur", "--data", str(pairs), "--out", str(tmp_path / "o"), "--motion-aware", "0", "--finetune-trajectory", "0.1"])
    assert r.exit_code == 2 and "motion-aware" in r.stderr
    # the deblurring model takes the trajectory model's parameterisation (quadratic, N = 5)
    r = runner.invoke(app, ["train", "deblur", "--data", str(pairs), "--out", str(tmp_path / "o"), "--steps", "1", "--width", "4", "--levels", "1",
                            "--batch-size", "1", "--crop", "32"])
    assert r.exit_code == 0, r.stderr
    assert torch.load(tmp_path / "o" / "last.pt", weights_only=False)["config"]["model"]["n_offsets"] == 5
    assert (tmp_path / "o" / "command.txt").exists()



def test_unet_backbone_trains_from_the_cli_exports_and_deblurs(pairs, tmp_path, tiny_weights):
    r = runner.invoke(app, ["train", "deblur", "--data", str(pairs), "--out", str(tmp_path / "o"), "--backbone", "resnet"])
    assert r.exit_code == 2
    r = runner.invoke(app, ["train", "deblur", "--data", str(pairs), "--out", str(tmp_path / "u"), "--steps", "2", "--width", "4",
                            "--levels", "3", "--backbone", "unet", "--batch-size", "1", "--crop", "32"])
    assert r.exit_code == 0, r.stderr
    path = export_checkpoint(tmp_path / "u" / "last.pt", name="tiny-unet", dest=tmp_path / "export")
    assert read_manifest(tmp_path / "export")["models"]["tiny-unet"]["architecture"]["backbone"] == "unet"
    photo = textured_photo(37, 53).astype(np.float32) / 255  # not a multiple of the U-Net's 4
    deblurrer = DeblurPredictor(weights=path)
    sharp = deblurrer(photo, TrajectoryPredictor()(photo))
    assert sharp.shape == photo.shape and np.isfinite(sharp).all()


def test_init_accepts_weights_exported_before_the_backbone_field(pairs, tmp_path, tiny_weights):
    from blurtrace.models.deblur_net import DeblurNet
    from blurtrace.weights import export

    old = {k: v for k, v in TINY.to_dict().items() if k != "backbone"}  # a manifest of version 0.2.0
    export(DeblurNet(TINY).state_dict(), tmp_path / "old.safetensors", task="deblur", architecture=old, info={})
    done = train_deblur(_config(pairs, tmp_path / "o", steps=1, val=None, init=str(tmp_path / "old.safetensors")), device=torch.device("cpu"))
    assert done.step == 1

def test_init_takes_alpha_from_the_weights_whatever_alpha_says(pairs, tmp_path, tiny_weights):
    """α is learned: a continuation (--init) starts from the weights' α, not from --alpha, and a
    different starting --alpha is no reason to refuse the weights; other fields still must match."""
    from dataclasses import replace

    from blurtrace.models.deblur_net import DeblurNet
    from blurtrace.weights import export

    trained = DeblurNet(replace(TINY, alpha=1.0))
    with torch.no_grad():
        for name, p in trained.named_parameters():
            if name.endswith("alpha"):
                p.fill_(1.25)
    export(trained.state_dict(), tmp_path / "a.safetensors", task="deblur", architecture=replace(TINY, alpha=1.0).to_dict(), info={})
    cfg = _config(pairs, tmp_path / "o", steps=1, val=None, lr=0.0, warmup=0, init=str(tmp_path / "a.safetensors"))
    assert cfg.model.alpha == 0.1
    train_deblur(cfg, device=torch.device("cpu"))
    state = torch.load(tmp_path / "o" / "last.pt", map_location="cpu", weights_only=False)
    alphas = [v for k, v in state["model"].items() if k.endswith("alpha")]
    assert alphas and all(float(a) == 1.25 for a in alphas)
    with pytest.raises(ValueError, match="network, not"):
        train_deblur(_config(pairs, tmp_path / "w", steps=1, val=None, init=str(tmp_path / "a.safetensors"), model=replace(TINY, width=6)),
                     device=torch.device("cpu"))


def _exported_trained_looking(config, path):
    """A network with random non-zero weights (a fresh one's output convolution is zero, which
    would hide what growing changes; every α at 1), exported to ``path``; returned in eval mode."""
    from blurtrace.models.deblur_net import DeblurNet
    from blurtrace.weights import export

    torch.manual_seed(0)
    net = DeblurNet(config).eval()
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn_like(p) * 0.1 + (1.0 if p.dim() == 0 else 0.0))
    export(net.state_dict(), path, task="deblur", architecture=config.to_dict(), info={})
    return net


def test_init_grows_the_motion_aware_stage_from_the_same_output(pairs, tmp_path, tiny_weights):
    """Weights with fewer motion-aware convolutions load into a network with more: the newly bent
    ones start at α = 0 (Eq. 16 is then conv2d), so the grown network computes what the loaded
    one did; shrinking is refused (the weights' α would be dropped)."""
    from dataclasses import replace

    from blurtrace.models.deblur_net import DeblurNet
    from blurtrace.weights import export

    one = _exported_trained_looking(replace(TINY, alpha=1.0), tmp_path / "one.safetensors")
    grown = replace(TINY, motion_aware=3)
    train_deblur(_config(pairs, tmp_path / "o", steps=1, val=None, lr=0.0, warmup=0, model=grown,
                         init=str(tmp_path / "one.safetensors")), device=torch.device("cpu"))
    state = torch.load(tmp_path / "o" / "last.pt", map_location="cpu", weights_only=False)["model"]
    alphas = {k: float(v) for k, v in state.items() if k.endswith("alpha")}
    assert len(alphas) == 3 and sorted(alphas.values()) == [0.0, 0.0, float(one.decoders[0].last[0].conv1.alpha.detach())]
    big = DeblurNet(grown).eval()
    big.load_state_dict(state)
    blurry, params = torch.rand(1, 3, 32, 32), torch.randn(1, 4, 32, 32) * 3
    with torch.no_grad():
        torch.testing.assert_close(big(blurry, params), one(blurry, params), rtol=1e-4, atol=1e-4)  # matmul vs conv2d rounding
        assert not torch.allclose(DeblurNet(grown)(blurry, params), one(blurry, params), atol=1e-3)  # not just any network
    export(state, tmp_path / "three.safetensors", task="deblur", architecture=grown.to_dict(), info={})
    with pytest.raises(ValueError, match="do not fit"):
        train_deblur(_config(pairs, tmp_path / "s", steps=1, val=None, init=str(tmp_path / "three.safetensors")), device=torch.device("cpu"))


def test_init_grows_trajectory_input_channels_from_the_same_output(pairs, tmp_path, tiny_weights):
    """A U-Net without motion input loads into one with it: the stem's new input channels start
    at zero, so the grown network computes what the loaded one did, and training moves them.
    The other way round (dropping the channels) is refused."""
    from dataclasses import replace

    from blurtrace.models.deblur_net import DeblurNet
    from blurtrace.weights import export

    plain = replace(TINY, backbone="unet", alpha=1.0)
    one = _exported_trained_looking(plain, tmp_path / "plain.safetensors")
    grown = replace(plain, motion_input=True)
    train_deblur(_config(pairs, tmp_path / "o", steps=1, val=None, lr=0.0, warmup=0, model=grown,
                         init=str(tmp_path / "plain.safetensors")), device=torch.device("cpu"))
    state = torch.load(tmp_path / "o" / "last.pt", map_location="cpu", weights_only=False)["model"]
    assert state["unet.stem.weight"].shape[1] == 8 and not state["unet.stem.weight"][:, 3:].any()
    big = DeblurNet(grown).eval()
    big.load_state_dict(state)
    blurry, params = torch.rand(1, 3, 32, 32), torch.randn(1, 4, 32, 32) * 3
    with torch.no_grad():
        torch.testing.assert_close(big(blurry, params), one(blurry, params))
    moved = train_deblur(_config(pairs, tmp_path / "t", steps=2, val=None, model=grown, init=str(tmp_path / "plain.safetensors")),
                         device=torch.device("cpu"))
    assert moved.model.unet.stem.weight[:, 3:].abs().sum() > 0  # the new channels learn
    export(state, tmp_path / "mi.safetensors", task="deblur", architecture=grown.to_dict(), info={})
    with pytest.raises(ValueError, match="do not fit"):
        train_deblur(_config(pairs, tmp_path / "s", steps=1, val=None, model=plain, init=str(tmp_path / "mi.safetensors")),
                     device=torch.device("cpu"))


def test_init_grows_middle_blocks_from_the_same_output(pairs, tmp_path, tiny_weights):
    """A U-Net with 2 middle blocks loads into one with 4: the new blocks' second convolutions
    start at zero (so they add nothing), their first ones keep a random start (so they learn);
    the grown network computes what the loaded one did. Fewer blocks than the weights: refused."""
    from dataclasses import replace

    from blurtrace.models.deblur_net import DeblurNet
    from blurtrace.weights import export

    two = replace(TINY, backbone="unet", alpha=1.0)
    one = _exported_trained_looking(two, tmp_path / "two.safetensors")
    four = replace(two, middle_blocks=4)
    train_deblur(_config(pairs, tmp_path / "o", steps=1, val=None, lr=0.0, warmup=0, model=four,
                         init=str(tmp_path / "two.safetensors")), device=torch.device("cpu"))
    state = torch.load(tmp_path / "o" / "last.pt", map_location="cpu", weights_only=False)["model"]
    for k in (2, 3):
        assert not state[f"unet.middle.{k}.conv2.weight"].any() and not state[f"unet.middle.{k}.conv2.bias"].any()
        assert state[f"unet.middle.{k}.conv1.weight"].abs().sum() > 0
    big = DeblurNet(four).eval()
    big.load_state_dict(state)
    blurry, params = torch.rand(1, 3, 32, 32), torch.randn(1, 4, 32, 32) * 3
    with torch.no_grad():
        torch.testing.assert_close(big(blurry, params), one(blurry, params))
    moved = train_deblur(_config(pairs, tmp_path / "t", steps=2, val=None, model=four, init=str(tmp_path / "two.safetensors")),
                         device=torch.device("cpu"))
    assert moved.model.unet.middle[3].conv2.weight.abs().sum() > 0  # the new blocks learn
    export(state, tmp_path / "four.safetensors", task="deblur", architecture=four.to_dict(), info={})
    with pytest.raises(ValueError, match="do not fit"):
        train_deblur(_config(pairs, tmp_path / "s", steps=1, val=None, model=two, init=str(tmp_path / "four.safetensors")),
                     device=torch.device("cpu"))


def test_motion_follows_crops_and_flips(pairs):
    """Attached trajectory parameters are cut and mirrored with their image: a horizontal flip
    negates Δx, a transpose swaps Δx and Δy."""
    data = PairedImages(find_pairs(pairs))
    h, w = data.blurry[0].shape[-2:]
    yy, xx = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing="ij")
    field = torch.stack([xx, yy, xx + 1000, yy + 1000])  # (Δx, Δy) pairs that say where they were
    data.attach_motion([field.clone() for _ in range(len(data))])
    for seed in range(20):
        b = data.batch(np.random.default_rng(seed), 1, 32)
        m = b.motion[0]
        assert m.shape == (4, 32, 32)
        # the field sampled the same pixel as the image: its Δx/Δy magnitudes are coordinates,
        # consistent between the two pairs
        assert torch.allclose(m[2].abs() - m[0].abs(), torch.full((32, 32), 1000.0)) or torch.allclose(m[2].abs() - m[1].abs(), torch.full((32, 32), 1000.0))
    with pytest.raises(ValueError, match="parameter maps"):
        data.attach_motion([field])


def test_sixteen_bit_pairs_load_as_their_rounded_eight_bit_values(tmp_path):
    """A 16-bit training pair holds the same uint8 tensors as the 8-bit file ``write_image`` makes
    from it (one rounding rule for every bit-depth change)."""
    from blurtrace.io import write_image

    for name in ("deep", "flat"):
        for part in ("blur", "sharp"):
            (tmp_path / name / "scene" / part).mkdir(parents=True, exist_ok=True)
    for part, seed in (("blur", 1), ("sharp", 2)):
        values = np.random.default_rng(seed).integers(0, 65536, (24, 32, 3)).astype(np.uint16)
        values[0, :4, 0] = [0, 128, 129, 65535]  # either side of a rounding boundary, and the ends
        write_image(tmp_path / "deep" / "scene" / part / "0.png", values)
        write_image(tmp_path / "flat" / "scene" / part / "0.png", values, bit_depth=8)
    deep, flat = PairedImages(find_pairs(tmp_path / "deep")), PairedImages(find_pairs(tmp_path / "flat"))
    for a, b in ((deep.blurry[0], flat.blurry[0]), (deep.sharp[0], flat.sharp[0])):
        assert a.dtype == torch.uint8 and torch.equal(a, b)
    assert deep.blurry[0][0, 0, :4].tolist() == [0, 0, 1, 255]


def test_tiled_apply_cuts_every_input_alike():
    x = torch.rand(1, 3, 70, 90)
    p = torch.rand(1, 2, 70, 90)
    out = tiled_apply(lambda a, b: torch.cat([a, b], 1) * 2, x, p, out_channels=5, tile=32, overlap=16)
    assert torch.allclose(out, torch.cat([x, p], 1) * 2, atol=1e-5)
    with pytest.raises(ValueError, match="height and width"):
        tiled_apply(lambda a, b: a, x, p[..., :10], out_channels=3, tile=32, overlap=16)


def test_tampered_deblur_weights_exit_3(tmp_path, tiny_weights):
    from blurtrace.models.deblur_net import DeblurNet
    from blurtrace.weights import export, register

    export(DeblurNet(TINY).state_dict(), tiny_weights / "d.safetensors", task="deblur", architecture=TINY.to_dict(), info={})
    register(tiny_weights, name="d", file="d.safetensors", task="deblur", architecture=TINY.to_dict(), info={}, default=True)
    data = (tiny_weights / "d.safetensors").read_bytes()
    (tiny_weights / "d.safetensors").write_bytes(data[: len(data) // 2])
    src = tmp_path / "p.png"
    from PIL import Image

    Image.fromarray(textured_photo(40, 48)).save(src)
    r = runner.invoke(app, ["deblur", str(src)])
    assert r.exit_code == 3 and "sha256" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "p.deblurred.png").exists()


def test_finetuned_trajectories_train_both_networks_export_both_and_deblur_pairs_them(pairs, tmp_path, tiny_weights):
    from blurtrace.weights import resolve

    frozen_tensors = resolve("trajectory")[0]
    out = tmp_path / "joint"
    # starts from deblurring weights (--init): a frozen run's export
    frozen = train_deblur(_config(pairs, tmp_path / "frozen", steps=1, val=None), device=torch.device("cpu"))
    init = export_checkpoint(frozen.checkpoint, name="frozen", dest=tmp_path / "frozen-export")
    done = train_deblur(_config(pairs, out, trajectory_lr_factor=0.5, init=str(init)), device=torch.device("cpu"), stop_after=2)
    first = {k: v.clone() for k, v in done.model.state_dict().items()}
    done = train_deblur(_config(pairs, out, trajectory_lr_factor=0.5, init=str(init)), device=torch.device("cpu"))
    assert done.step == 4
    offsets = done.model.offsets.state_dict()
    assert any(not torch.equal(frozen_tensors[k], v) for k, v in offsets.items())  # the trajectory network learned too
    assert any(not torch.equal(first[k], v) for k, v in done.model.state_dict().items())
    log = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert all(np.isfinite(r["trajectory_reblur"]) for r in log if "loss" in r)
    assert [r["step"] for r in log if "val" in r] == [2, 4]
    with pytest.raises(ValueError, match="another network"):  # a frozen run cannot resume a fine-tuned checkpoint
        train_deblur(_config(pairs, out), device=torch.device("cpu"))

    path = export_checkpoint(out / "last.pt", name="joint", dest=tiny_weights)
    manifest = read_manifest(tiny_weights)["models"]
    assert manifest["joint-trajectory"]["task"] == "trajectory"
    assert manifest["joint"]["training"]["trajectory_model"]["file"] == "joint-trajectory.safetensors"
    deblurrer = DeblurPredictor(weights=path)
    assert deblurrer.trajectory_weights == tiny_weights / "joint-trajectory.safetensors"
    paired = deblurrer.trajectory_predictor()
    assert paired.weights_path == deblurrer.trajectory_weights
    assert all(torch.equal(paired.model.state_dict()[k].contiguous(), v) for k, v in offsets.items())
    assert deblurrer.trajectory_predictor(tiny_weights / "tiny.safetensors").weights_path.name == "tiny.safetensors"
    assert DeblurPredictor(weights=init).trajectory_weights is None  # frozen: any trajectory model, the default

    photo = textured_photo(37, 53).astype(np.float32) / 255
    sharp = deblurrer(photo, paired(photo))
    assert sharp.shape == photo.shape and np.isfinite(sharp).all()


def test_finetuning_needs_motion_aware_layers_and_init_must_fit(pairs, tmp_path, tiny_weights):
    with pytest.raises(ValueError, match="motion-aware"):
        _config(pairs, tmp_path / "o", model=DeblurNetConfig(width=4, levels=2, motion_aware=0, n_offsets=5), trajectory_lr_factor=0.1)
    frozen = train_deblur(_config(pairs, tmp_path / "frozen", steps=1, val=None), device=torch.device("cpu"))
    init = export_checkpoint(frozen.checkpoint, name="frozen", dest=tmp_path / "frozen-export")
    with pytest.raises(ValueError, match="holds a"):
        train_deblur(_config(pairs, tmp_path / "o", model=DeblurNetConfig(width=8, levels=2, n_offsets=5), init=str(init)), device=torch.device("cpu"))


def test_frozen_run_on_a_chosen_trajectory_model_is_paired_with_it_when_exported_beside_it(pairs, tmp_path, tiny_weights):
    import shutil

    from blurtrace.models.offset_net import OffsetNet, OffsetNetConfig
    from blurtrace.weights import export, register

    config = OffsetNetConfig(constraint="quadratic", n_offsets=5, width=4, blocks=1, head="bilinear")
    torch.manual_seed(3)
    alt = tiny_weights / "alt.safetensors"
    export(OffsetNet(config).state_dict(), alt, task="trajectory", architecture=config.to_dict(), info={"light": "linear"})
    register(tiny_weights, name="alt", file="alt.safetensors", task="trajectory", architecture=config.to_dict(), info={"light": "linear"}, default=False)
    done = train_deblur(_config(pairs, tmp_path / "run", steps=1, val=None, trajectory_weights=str(alt)), device=torch.device("cpu"))
    beside = DeblurPredictor(weights=export_checkpoint(done.checkpoint, name="on-alt", dest=tiny_weights))
    assert beside.trajectory_weights == alt and beside.trajectory_predictor().weights_path == alt
    # elsewhere without that file, or beside a different file of that name: no pairing (the default)
    assert DeblurPredictor(weights=export_checkpoint(done.checkpoint, name="on-alt", dest=tmp_path / "elsewhere")).trajectory_weights is None
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(tiny_weights / "tiny.safetensors", other / "alt.safetensors")
    assert DeblurPredictor(weights=export_checkpoint(done.checkpoint, name="on-alt", dest=other)).trajectory_weights is None


def test_bf16_training_autocasts_the_forward_pass_and_keeps_float32_weights(pairs, tmp_path, tiny_weights):
    cpu = torch.device("cpu")
    fp32 = train_deblur(_config(pairs, tmp_path / "fp32", steps=2, val=None), device=cpu).model.state_dict()
    bf16 = train_deblur(_config(pairs, tmp_path / "bf16", steps=2, val=None, precision="bf16"), device=cpu).model.state_dict()
    assert fp32.keys() == bf16.keys()
    moved = 0.0
    for name, p in fp32.items():
        assert bf16[name].dtype == p.dtype, name
        if p.is_floating_point():
            # Adam moves each weight by at most lr per step whatever the gradient's precision:
            # the two runs differ by at most 2 runs × 2 steps × lr
            assert (bf16[name] - p).abs().max() <= 2 * 2 * 5e-4 + 1e-6, name
            moved = max(moved, float((bf16[name] - p).abs().max()))
    assert moved > 0  # bfloat16 arithmetic did change the gradients: autocast was on
    # the fine-tuned trajectory network takes the same path (its parameters cast back to float32)
    out = train_deblur(_config(pairs, tmp_path / "joint", steps=1, val=None, precision="bf16", trajectory_lr_factor=0.1), device=cpu)
    assert all(p.dtype == torch.float32 for p in out.model.parameters())


def test_training_precision_is_named_never_auto(pairs, tmp_path, tiny_weights):
    with pytest.raises(ValueError, match="precision"):
        _config(pairs, tmp_path / "o", precision="auto")
    r = runner.invoke(app, ["train", "deblur", "--data", str(pairs), "--out", str(tmp_path / "o"), "--precision", "fp16"])
    assert r.exit_code == 2
