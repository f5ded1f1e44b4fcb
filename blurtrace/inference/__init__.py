"""Running the trained networks on photos: predictors (numpy in, results out), tiling of large
photos, test-time mirror ensembles, arithmetic precision."""
from .predictors import DeblurPredictor, Trajectories, TrajectoryPredictor

__all__ = ["DeblurPredictor", "Trajectories", "TrajectoryPredictor"]
