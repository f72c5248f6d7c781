"""`python -m openness.cli`: the `openness` command."""

import sys

from openness.cli import main

sys.exit(main())
