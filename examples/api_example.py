"""The library API in a few lines: trajectories, an overlay, deblurring and video frames.

    python examples/api_example.py examples/chelsea-shake.png
"""
import sys

from blurtrace import DeblurPredictor, TrajectoryPredictor, read_image, write_image
from blurtrace.inference.predictors import image_to_tensor
from blurtrace.io.video import write_video
from blurtrace.render.frames import trajectory_frames
from blurtrace.render.overlay import draw_trajectories

path = sys.argv[1] if len(sys.argv) > 1 else "examples/chelsea-shake.png"
photo = read_image(path).to_float()                     # H×W×3 float in [0, 1]
traj = TrajectoryPredictor()(photo)                      # shipped weights, CPU/CUDA/MPS automatically
offsets = traj.offsets([-1.0, 0.0, 1.0])[0].numpy()      # (3, 2, H, W): Δx, Δy in pixels at s = −1, 0, +1
print("blur at the centre pixel, start → end:", offsets[0, :, photo.shape[0] // 2, photo.shape[1] // 2], offsets[-1, :, photo.shape[0] // 2, photo.shape[1] // 2])
write_image("overlay.png", draw_trajectories(photo, traj.offsets()[0].numpy()))
sharp = DeblurPredictor()(photo, traj)                   # the motion-aware network (method="deconv": no network)
write_image("deblurred.png", sharp)
write_video("slowmo.gif", trajectory_frames(image_to_tensor(sharp), traj.params, traj.constraint, 12), fps=12)
