"""Pictures and frames made from trajectories: motion overlays, blur maps, slow-motion frames."""
