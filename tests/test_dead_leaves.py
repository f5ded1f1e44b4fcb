"""Dead-leaves training images (`blurtrace photos dead-leaves`)."""
import numpy as np
import pytest
from typer.testing import CliRunner

from blurtrace.cli.commands import app
from blurtrace.data.dead_leaves import dead_leaves, sample_radii, write_dead_leaves
from blurtrace.data.synth import SynthConfig, list_photos, load_photos, render_sample
from blurtrace.io import read_image


@pytest.mark.parametrize("power", [1.0, 3.0])
def test_radii_follow_the_power_law(power):
    r = sample_radii(np.random.default_rng(0), 200_000, radius=(2.0, 50.0), power=power)
    assert r.min() >= 2.0 and r.max() <= 50.0
    # median of the truncated density ∝ r^-power, from its inverse CDF at u = 1/2
    lo, hi = 2.0, 50.0
    median = np.sqrt(lo * hi) if power == 1 else (lo ** (1 - power) + 0.5 * (hi ** (1 - power) - lo ** (1 - power))) ** (1 / (1 - power))
    assert abs(np.median(r) - median) < 0.02 * median
    with pytest.raises(ValueError, match="radius"):
        sample_radii(np.random.default_rng(0), 3, radius=(5.0, 1.0), power=power)


def test_dead_leaves_is_deterministic_covered_and_in_the_palette():
    red = np.array([[200, 10, 10]], np.uint8)
    a = dead_leaves(np.random.default_rng(1), 40, 56, colours=red, radius=(1.0, 20.0))
    assert a.shape == (40, 56, 3) and a.dtype == np.uint8
    assert np.array_equal(a, dead_leaves(np.random.default_rng(1), 40, 56, colours=red, radius=(1.0, 20.0)))
    # every pixel is covered by a (shaded) red disc: nothing left at the canvas' zero
    assert (a[..., 0].astype(int) - a[..., 1] > 100).all()
    two = np.array([[0, 0, 0], [255, 255, 255]], np.uint8)
    b = dead_leaves(np.random.default_rng(2), 64, 64, colours=two, radius=(1.0, 16.0))
    assert (b < 30).mean() > 0.1 and (b > 225).mean() > 0.1  # both colours appear
    edges = np.abs(np.diff(b.astype(int), axis=1))
    assert ((edges > 0) & (edges < 255)).any()  # anti-aliased: partial pixels at disc edges
    with pytest.raises(ValueError, match="colours"):
        dead_leaves(np.random.default_rng(0), 8, 8, colours=np.zeros((0, 3), np.uint8))


def test_write_dead_leaves_resumes_identically_and_feeds_synth(tmp_path, photo_dir):
    out = tmp_path / "dl"
    assert write_dead_leaves(out, count=3, size=(48, 32), colours_from=photo_dir, seed=4) == 3
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"dead-leaves-0000{i}.png" for i in range(3)]
    first = read_image(out / names[1]).pixels.copy()
    assert first.shape == (32, 48, 3)
    (out / names[1]).unlink()
    assert write_dead_leaves(out, count=4, size=(48, 32), colours_from=photo_dir, seed=4) == 2
    assert np.array_equal(read_image(out / names[1]).pixels, first)
    # a photo folder like any other for synth
    s = render_sample(load_photos(list_photos(out)), SynthConfig(height=24, width=24, motion="camera", max_extent=3), np.random.default_rng(0))
    assert s.blurry.shape == (24, 24, 3)


def test_cli_dead_leaves(tmp_path, photo_dir):
    runner = CliRunner()
    r = runner.invoke(app, ["photos", "dead-leaves", str(tmp_path / "dl"), "--colours-from", str(photo_dir), "--count", "2", "--size", "40x30"])
    assert r.exit_code == 0, r.stderr
    assert r.stdout.strip() == str(tmp_path / "dl") and len(list((tmp_path / "dl").iterdir())) == 2
    r = runner.invoke(app, ["photos", "dead-leaves", str(tmp_path / "x"), "--colours-from", str(photo_dir), "--min-radius", "9", "--max-radius", "3"])
    assert r.exit_code == 2 and "radius" in r.stderr
    r = runner.invoke(app, ["photos", "dead-leaves", str(tmp_path / "x"), "--colours-from", str(tmp_path / "none")])
    assert r.exit_code == 2
