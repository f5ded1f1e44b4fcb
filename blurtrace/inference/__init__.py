"""Running the trained networks on photos: predictors (numpy in, results out), tiling of large
photos, test-time mirror ensembles, arithmetic precision."""
from .predictors import (
    DEBLUR_METHODS,
    DeblurPredictor,
    Trajectories,
    TrajectoryPredictor,
    choose_deblur_method,
    image_to_tensor,
)

__all__ = ["DEBLUR_METHODS", "DeblurPredictor", "Trajectories", "TrajectoryPredictor", "choose_deblur_method", "image_to_tensor"]
