from __future__ import annotations

import sys

from mocks.cli import main

sys.exit(main())
