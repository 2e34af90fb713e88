"""Reading params YAML files (see :mod:`evalkit._yaml`)."""

from evalkit._yaml import read_params_yaml

__all__ = ["read_params_yaml"]
