"""Synthetic control methods, for one treated unit or a few treated at the same date.

- :func:`synthetic_control`: Abadie, Diamond & Hainmueller (2010), with predictor
  matching, placebos in space and leave-one-out re-fits (:func:`placebo_in_space`).
- :func:`synthetic_did`: synthetic difference-in-differences (Arkhangelsky et al.
  2021), which also gives the paper's synthetic control and difference-in-differences
  estimates with placebo, bootstrap or jackknife standard errors
  (:func:`synthetic_did_comparison` puts them side by side).
"""

from evalkit.synthetic.specs import Predictor, SyntheticControlSpec, SyntheticDiDSpec
from evalkit.synthetic.synthetic_control import placebo_in_space, synthetic_control
from evalkit.synthetic.synthetic_did import synthetic_did, synthetic_did_comparison

__all__ = ["synthetic_control", "placebo_in_space", "synthetic_did", "synthetic_did_comparison",
           "SyntheticControlSpec", "SyntheticDiDSpec", "Predictor"]
