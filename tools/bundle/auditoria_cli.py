"""Bundle entry point of the command line (``auditoria``); see build.spec."""

import sys

from app.cli import main

sys.exit(main())
