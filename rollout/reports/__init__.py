"""Reports a steering committee reads: Gantt charts, iCalendar exports and the HTML dashboard.

plotly and icalendar are imported inside the functions that use them, never at import time.
"""

__all__: list[str] = []
