# The deblurring training recipe, sourced by scripts/train_deblur.sh, scripts/train_deblur_large.sh
# and scripts/compare_finetune.sh so that runs compared with one another share one definition.
# Callers add data, steps, threads, model variant and run folder; a flag given again after the
# recipe overrides it (the command line's last value wins).
# shellcheck disable=SC2034  # used by the sourcing script
DEBLUR_RECIPE=(--val data/val/dynamic --batch-size 8 --crop 96 --lr 5e-4 --schedule cosine
               --width 16 --levels 3 --val-every 500 --checkpoint-every 250)
