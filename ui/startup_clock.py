"""The moment the GUI's code started loading; `ui.app` imports this first, before Qt."""

import time

STARTED_AT = time.perf_counter()
