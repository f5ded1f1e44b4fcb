# The trajectory training recipe, sourced by scripts/train_trajectory.sh (the shipped model and,
# through it, scripts/ablate_trajectory.sh) and scripts/compare_photo_data.sh, so that runs compared
# with one another share one definition. Callers add data, steps, threads and run folder; a flag
# given again after the recipe overrides it (the command line's last value wins).
# shellcheck disable=SC2034  # used by the sourcing script
TRAJECTORY_RECIPE=(--val data/val/dynamic --lr 6e-4 --warmup 200 --batch-size 8 --crop 128 --constraint quadratic
                   --n-offsets 15 --head bilinear --light linear --val-every 500 --checkpoint-every 250)
