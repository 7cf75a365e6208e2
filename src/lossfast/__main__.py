"""``python -m lossfast``: see ``lossfast._cli``."""
import sys

from ._cli import main

sys.exit(main())
