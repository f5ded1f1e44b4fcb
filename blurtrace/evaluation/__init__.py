"""Measuring quality: image/trajectory/video metrics, scoring one estimate, evaluating a dataset."""
