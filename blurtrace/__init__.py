"""blurtrace: recover the exposure trajectory of every pixel from one motion-blurred photo.

The public API is imported lazily so that ``blurtrace --help`` never pays for torch.
"""
from ._version import __version__

__all__ = ["__version__", "TrajectoryPredictor", "Trajectories", "DeblurPredictor", "read_image", "write_image"]


def __getattr__(name: str):
    if name in ("TrajectoryPredictor", "Trajectories", "DeblurPredictor"):
        from . import inference

        return getattr(inference, name)
    if name in ("read_image", "write_image"):
        from . import io

        return getattr(io, name)
    raise AttributeError(name)
