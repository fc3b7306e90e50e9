"""Working calendars: the plan's working days, indexed from 0 at the first working day on or after start.

Public holidays come from the ``holidays`` package (imported only when a plan names a country).
"""

from __future__ import annotations

import bisect
import datetime as _dt

from .errors import PlanError
from .model import CalendarSpec

__all__ = ["WorkCalendar"]

_DAY = _dt.timedelta(days=1)


class WorkCalendar:
    """Maps working-day indices to dates and back for one plan.

    >>> cal = WorkCalendar(_dt.date(2027, 1, 1), CalendarSpec())   # a Friday
    >>> cal.date(0), cal.date(1)
    (datetime.date(2027, 1, 1), datetime.date(2027, 1, 4))
    >>> cal.index_on_or_after(_dt.date(2027, 1, 2))
    1
    """

    def __init__(self, start: _dt.date, spec: CalendarSpec | None = None):
        self.spec = spec or CalendarSpec()
        if not self.spec.workdays:
            raise PlanError("calendar: at least one workday is needed")
        self.start = start
        self._workdays = frozenset(self.spec.workdays)
        self._extra = frozenset(self.spec.holidays)
        self._public: dict[_dt.date, str] = {}
        self._years_loaded: set[int] = set()
        self._dates: list[_dt.date] = []      # working dates, ascending, index = working day
        self._ordinals: list[int] = []
        self._cursor = start                  # next calendar day to examine
        self._extend(1)

    @property
    def workdays_per_week(self) -> int:
        return len(self._workdays)

    def holiday_name(self, day: _dt.date) -> str | None:
        """The public holiday's name, 'holiday' for an extra day off, or None."""
        self._load_year(day.year)
        if day in self._public:
            return self._public[day]
        return "holiday" if day in self._extra else None

    def is_working(self, day: _dt.date) -> bool:
        if day.weekday() not in self._workdays or day in self._extra:
            return False
        self._load_year(day.year)
        return day not in self._public

    def date(self, index: int) -> _dt.date:
        """The date of working day ``index`` (0-based); a negative index counts working days back from
        day 0 (late dates bounded by a deadline that cannot be met lie there)."""
        if index < 0:
            return self._before(-index)
        self._extend(index + 1)
        return self._dates[index]

    def _before(self, n: int) -> _dt.date:
        """The date of the n-th working day before day 0 (n ≥ 1)."""
        day = self.date(0)
        while n:
            if day == _dt.date.min:
                raise PlanError("the schedule reaches back before the year 1")
            day -= _DAY
            if self.is_working(day):
                n -= 1
        return day

    def dates(self, indices) -> list[_dt.date]:
        """Dates of many working-day indices at once."""
        top = max(indices, default=-1)
        self._extend(top + 1)
        d = self._dates
        return [d[i] for i in indices]

    def index_on_or_after(self, day: _dt.date) -> int:
        """The index of the first working day on or after ``day`` (0 for days before the start)."""
        if day <= self.start:
            return 0
        while not self._dates or self._dates[-1] < day:
            self._extend(len(self._dates) + 256)
        return bisect.bisect_left(self._ordinals, day.toordinal())

    def index_on_or_before(self, day: _dt.date) -> int:
        """The index of the last working day on or before ``day`` (-1 when before day 0)."""
        i = self.index_on_or_after(day)
        return i if self._dates[i] == day else i - 1

    def _load_year(self, year: int) -> None:
        if self.spec.country is None or year in self._years_loaded:
            return
        import holidays  # slow-ish import; only plans with a country pay for it

        try:
            found = holidays.country_holidays(self.spec.country, subdiv=self.spec.subdiv, years=year)
        except NotImplementedError as exc:
            raise PlanError(f"calendar: unknown country or subdivision: {exc}") from exc
        self._public.update(found)
        self._years_loaded.add(year)

    def _extend(self, count: int) -> None:
        if len(self._dates) >= count:
            return
        if count > 200_000:
            raise PlanError("calendar: the plan runs more than 200,000 working days; check durations and lags")
        day = self._cursor
        dates, ordinals, is_working = self._dates, self._ordinals, self.is_working
        while len(dates) < count:
            if is_working(day):
                dates.append(day)
                ordinals.append(day.toordinal())
            day += _DAY
            if day.year > self.start.year + 600:
                raise PlanError("calendar: no working days found; check workdays and holidays")
        self._cursor = day
