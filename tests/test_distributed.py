"""`torchrun --nproc-per-node 2`: two CPU replicas (gloo) end with identical weights."""
import os
import shutil
import subprocess
import sys
import textwrap

import pytest
import torch

from blurtrace.data.synth import SynthConfig, synthesize

SCRIPT = textwrap.dedent(
    """
    import os, sys, torch
    from blurtrace.models.offset_net import OffsetNetConfig
    from blurtrace.train.trajectory import TrajectoryTrainConfig, train_trajectory
    torch.set_num_threads(1)
    data, out = sys.argv[1], sys.argv[2]
    cfg = TrajectoryTrainConfig(data=data, out=out, model=OffsetNetConfig(n_offsets=5, width=4, blocks=1, head="bilinear"),
                                steps=3, batch_size=2, crop=32, warmup=1, checkpoint_every=100, log_every=1, seed=int(sys.argv[3]))
    outcome = train_trajectory(cfg, device=torch.device("cpu"))
    rank = os.environ["RANK"]
    torch.save(outcome.model.state_dict(), os.path.join(out, f"replica{rank}.pt"))
    """
)


@pytest.mark.slow
def test_two_cpu_replicas_stay_identical(tmp_path, photo_dir):
    torchrun = shutil.which("torchrun", path=os.path.dirname(sys.executable))
    if torchrun is None:
        pytest.skip("torchrun not installed beside this Python")
    synthesize(photo_dir, tmp_path / "data", count=2, config=SynthConfig(height=40, width=40, motion="camera", max_extent=3, gt_times=5), seed=0)
    script = tmp_path / "ddp.py"
    script.write_text(SCRIPT)
    out = tmp_path / "run"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    r = subprocess.run([torchrun, "--nproc-per-node", "2", "--master-port", "29533", str(script), str(tmp_path / "data"), str(out), "0"],
                       capture_output=True, text=True, timeout=240, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    a, b = (torch.load(out / f"replica{i}.pt") for i in (0, 1))
    init = _fresh_init()
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)  # identical replicas
    assert any(not torch.equal(a[k], init[k]) for k in a)  # and they did train
    assert (out / "last.pt").exists()


def _fresh_init():
    from blurtrace.models.offset_net import OffsetNet, OffsetNetConfig

    torch.manual_seed(0)
    return OffsetNet(OffsetNetConfig(n_offsets=5, width=4, blocks=1, head="bilinear")).state_dict()
