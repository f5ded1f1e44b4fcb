"""Speed and memory of trajectory estimation and deblurring on this machine.

    python benchmarks/speed.py [--weights W] [--threads 2] [--ensemble K] [--precision P] [--big] [--system-malloc]

Prints one JSON line per measurement: 1280×720 trajectory (best of 3), 1280×720 deblur with
each --method (after the trajectory; best of 3 for the network), and with --big the time and
peak resident memory of tracing, then deblurring, a 24-megapixel photo (tiled; run it once per
method with --method, since the peak is per process).

The first line is a yardstick for the machine, not for blurtrace: the plain Table-1 network
(transposed head, fp32, contiguous layout, random weights) on a 1280×720 photo, which the
trajectory issue quotes at ≈ 1.7 s on this kind of machine. These shared virtual machines run
up to 3× slower on some days; the yardstick printed beside a figure tells how fast the machine
ran that day (how the issue measured its 1.7 s is not known, so the ratio to it is a rough guide).

After the yardstick, like the ``blurtrace`` command, it lets the allocator keep freed memory
(``blurtrace/allocator.py``); ``--system-malloc`` measures with glibc's defaults instead.
"""
from __future__ import annotations

import argparse
import json
import resource
import time

import numpy as np
import torch
from timing import best_of  # benchmarks/timing.py (the script's folder is on the path)

from blurtrace.allocator import keep_freed_memory
from blurtrace.inference.precision import PRECISIONS
from blurtrace.inference.predictors import DeblurPredictor, TrajectoryPredictor
from blurtrace.models.offset_net import OffsetNet, OffsetNetConfig


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", default=None, help="trajectory weights (default: the shipped ones)")
    ap.add_argument("--deblur-weights", default=None, help="deblurring network weights (default: the shipped ones)")
    ap.add_argument("--skip-small", action="store_true", help="only the 24-megapixel measurement (with --big)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--big", action="store_true", help="also trace a 6000×4000 photo and report peak memory")
    ap.add_argument("--iterations", type=int, default=30)
    ap.add_argument("--method", choices=("net", "deconv"), action="append", help="deblurring method(s) to time (default: net)")
    ap.add_argument("--ensemble", type=int, default=1, help="test-time ensemble size (1, 2, 4 or 8)")
    ap.add_argument("--precision", choices=PRECISIONS, default="auto", help="the networks' arithmetic (blurtrace.inference.precision)")
    ap.add_argument("--system-malloc", action="store_true", help="leave glibc's allocator as it is (the blurtrace command tunes it)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if not args.skip_small:
        plain = OffsetNet(OffsetNetConfig(constraint="quadratic", head="transposed")).eval()
        x = torch.rand(1, 3, 720, 1280)
        with torch.inference_mode():
            plain(x)  # warm-up
            secs = best_of(lambda: plain(x))
        print(json.dumps({"what": "yardstick: plain Table-1 network 1280x720 fp32", "seconds": round(secs, 3), "issue_reference_seconds": 1.7,
                          "ratio_to_issue_reference": round(secs / 1.7, 2), "threads": args.threads}))
    # after the yardstick, which keeps measuring the machine with glibc's defaults
    tuned = False if args.system_malloc else keep_freed_memory()
    print(json.dumps({"what": "allocator", "keeps_freed_memory": tuned}))
    pred = TrajectoryPredictor(weights=args.weights, device="cpu", ensemble=args.ensemble, precision=args.precision)
    rng = np.random.default_rng(0)
    img = rng.random((720, 1280, 3), dtype=np.float32)
    pred(img)  # warm-up
    if not args.skip_small:
        print(json.dumps({"what": "trajectory 1280x720", "seconds": round(best_of(lambda: pred(img)), 3), "threads": args.threads, "ensemble": args.ensemble,
                          "precision": pred.precision, "model": pred.config.to_dict()}))
    traj = pred(img)
    methods = args.method or ["net"]
    for method in methods:
        if args.skip_small:
            break
        deblurrer = DeblurPredictor(method=method, weights=args.deblur_weights if method == "net" else None, device="cpu", iterations=args.iterations,
                                    ensemble=args.ensemble, precision=args.precision)
        secs = best_of(lambda: deblurrer(img, traj), 3 if method == "net" else 1)
        print(json.dumps({"what": f"deblur ({method}) 1280x720 after trajectory", "seconds": round(secs, 3),
                          "whole_deblur_seconds": round(secs + best_of(lambda: pred(img), 1), 3), "ensemble": args.ensemble,
                          "precision": deblurrer.precision, **({"iterations": args.iterations} if method == "deconv" else {})}))
    if args.big:
        big = rng.random((4000, 6000, 3), dtype=np.float32)
        t = time.perf_counter()
        traj = pred(big)
        secs = time.perf_counter() - t
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
        print(json.dumps({"what": "trajectory 6000x4000 (tiled)", "seconds": round(secs, 2), "peak_rss_gb": round(peak, 2)}), flush=True)
        t = time.perf_counter()
        DeblurPredictor(method=methods[0], weights=args.deblur_weights if methods[0] == "net" else None, device="cpu", iterations=args.iterations,
                        precision=args.precision)(big, traj)
        secs = time.perf_counter() - t
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
        print(json.dumps({"what": f"trajectory + deblur ({methods[0]}) 6000x4000 (tiled)", "deblur_seconds": round(secs, 2), "peak_rss_gb": round(peak, 2)}))


if __name__ == "__main__":
    main()
