"""``python -m ttc_viz.cli``: the same as the ``ttc-viz`` command."""
import sys

from . import main

sys.exit(main())
