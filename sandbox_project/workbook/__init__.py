"""What the notebooks import: Django set up for a kernel, service checks, emails shown nicely.

    import sys
    sys.path.insert(0, "../sandbox_project")
    import workbook
    workbook.setup("01-Console-Backend")
    workbook.require()                       # or require("smtp", "http"), ...
"""

from workbook.display import show_html, show_message, show_rows
from workbook.exercises import attempt, check, exercise
from workbook.lab import (
    chaos,
    chaos_off,
    display_path,
    queue_length,
    setup,
    use_stage,
    wait_until,
)
from workbook.services import SERVICES, StopExecution, report, require, services
from workbook.worker import Worker

__all__ = [
    "SERVICES", "StopExecution", "Worker", "attempt", "chaos", "chaos_off", "check",
    "display_path", "exercise",
    "queue_length", "report", "require", "services", "setup", "show_html", "show_message",
    "show_rows", "use_stage", "wait_until",
]
