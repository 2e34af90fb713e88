"""The policy params file: its schema, its checks, reading it, and the verdict rules.

Reading a params file gives a validated, immutable :class:`PolicyParams`; nothing here
runs an estimator or writes HTML.
"""

from evalkit.reports.params.schema import *  # noqa: F403
from evalkit.reports.params.schema import __all__  # noqa: F401
