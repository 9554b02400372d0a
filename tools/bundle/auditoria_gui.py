"""Bundle entry point of the desktop app (``auditoria-gui``); see build.spec."""

import sys

from ui.main import main

sys.exit(main())
