"""The weekly summary: a week of use in numbers (JSON-ready) and as a chart (PNG), in ar, fr, en.

    summary = weekly_summary("u1", device_intervals(events), unlocks,
                             week_start=date(2026, 2, 16), tz="Africa/Casablanca", limits=limits)
    summary.to_dict()                  # for the API and the e-mail
    summary_chart(summary, "ar")       # PNG bytes

Per local date of the week (``week_start`` and the six days after it, in the user's zone, with
the rule of :mod:`salama.wellbeing.zones`):

- ``minutes``: minutes in use, devices unioned (as
  :func:`~salama.wellbeing.ledger.minutes_by_local_day` counts them);
- ``late_night_minutes``: the part of those minutes inside the sleep hours of ``limits``, or,
  when there are none, inside 22:00-06:00 local (LATE_NIGHT, the default bedtime YouTube applies
  to teens). Minutes count on their own date: Monday 23:00 to Tuesday 01:00 gives one late-night
  hour to Monday and one to Tuesday;
- ``opens``: the intervals that start on that date, as given: pass per-device intervals
  (:func:`~salama.wellbeing.ledger.device_intervals`) to count each opening of the app on each
  device;
- ``unlocks``: the unlocks granted on that date;
- ``limit_minutes``: the day's limit before unlocks, when ``limits`` is given.

The week's totals come with last week's (the seven days before ``week_start``, from the same
intervals and unlocks) and the change: ``change_minutes`` and ``change_percent`` (None when last
week had no use).

The chart draws each day's minutes as a bar (late-night minutes stacked on top, darker) and the
daily limit as a dashed line, with titles and weekday names in the user's language. Arabic
labels are shaped (arabic_reshaper) and put in visual order (python-bidi), and the days run
right to left. matplotlib is imported inside :func:`summary_chart` only, and draws on a Figure of
its own (no pyplot): it changes no global setting.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from salama.errors import InputError
from salama.wellbeing.ledger import Interval, opens_by_local_day, union
from salama.wellbeing.limits import WEEKDAYS, Limits, SleepWindow
from salama.wellbeing.unlocks import UNLOCK_METHODS, Unlock
from salama.wellbeing.zones import ZoneLike, as_history, local_date, split_by_local_day

__all__ = [
    "CHART_LANGUAGES",
    "LATE_NIGHT",
    "DaySummary",
    "WeekTotals",
    "WeeklySummary",
    "chart_language",
    "summary_chart",
    "weekly_summary",
]

LATE_NIGHT = SleepWindow(time(22, 0), time(6, 0))
CHART_LANGUAGES = ("ar", "fr", "en")
_FONT = "DejaVu Sans"  # bundled with matplotlib, with the Arabic glyphs
_ARABIC_VARIETIES = frozenset({"ar", "ary", "arq", "aeb", "arz", "apc", "acm", "ayl", "ary_latn"})


@dataclass(frozen=True, slots=True)
class DaySummary:
    """One local date of the week."""

    day: date
    minutes: float
    late_night_minutes: float
    opens: int
    unlocks: int
    limit_minutes: int | None

    def to_dict(self) -> dict[str, object]:
        return {
            "day": self.day.isoformat(),
            "weekday": WEEKDAYS[self.day.weekday()],
            "minutes": round(self.minutes, 2),
            "late_night_minutes": round(self.late_night_minutes, 2),
            "opens": self.opens,
            "unlocks": self.unlocks,
            "limit_minutes": self.limit_minutes,
        }


@dataclass(frozen=True, slots=True)
class WeekTotals:
    """A week's totals."""

    minutes: float
    late_night_minutes: float
    opens: int
    unlocks: int

    def to_dict(self) -> dict[str, object]:
        return {
            "minutes": round(self.minutes, 2),
            "late_night_minutes": round(self.late_night_minutes, 2),
            "opens": self.opens,
            "unlocks": self.unlocks,
        }


@dataclass(frozen=True, slots=True)
class WeeklySummary:
    """A user's week; see the module docstring."""

    user: str
    week_start: date
    zone: str
    late_night: SleepWindow
    days: tuple[DaySummary, ...]
    totals: WeekTotals
    previous: WeekTotals
    unlocks_by_method: Mapping[str, int] = field(default_factory=dict)

    @property
    def change_minutes(self) -> float:
        return self.totals.minutes - self.previous.minutes

    @property
    def change_percent(self) -> float | None:
        if self.previous.minutes <= 0:
            return None
        return round(100 * self.change_minutes / self.previous.minutes, 1)

    def to_dict(self) -> dict[str, object]:
        return {
            "user": self.user,
            "week_start": self.week_start.isoformat(),
            "week_end": (self.week_start + timedelta(days=6)).isoformat(),
            "zone": self.zone,
            "late_night_window": self.late_night.to_dict(),
            "days": [d.to_dict() for d in self.days],
            "totals": self.totals.to_dict(),
            "previous": self.previous.to_dict(),
            "change_minutes": round(self.change_minutes, 2),
            "change_percent": self.change_percent,
            "unlocks_by_method": dict(self.unlocks_by_method),
        }


def weekly_summary(
    user: str,
    intervals: Iterable[Interval],
    unlocks: Iterable[Unlock],
    *,
    week_start: date,
    tz: ZoneLike,
    limits: Limits | None = None,
) -> WeeklySummary:
    """The summary of the week starting on local date ``week_start`` for ``user``, from their
    intervals and unlocks (either may reach outside the fortnight: what is outside is ignored).
    Raises InputError for an unlock of another user, or an unknown zone."""
    history = as_history(tz)
    window = limits.sleep if limits is not None and limits.sleep is not None else LATE_NIGHT
    first = week_start - timedelta(days=7)
    days = [first + timedelta(days=i) for i in range(14)]
    wanted = set(days)
    items = list(intervals)

    minutes = dict.fromkeys(days, 0.0)
    late = dict.fromkeys(days, 0.0)
    for iv in union(items):
        for piece in split_by_local_day(iv.start, iv.end, history):
            if piece.day not in wanted:
                continue
            minutes[piece.day] += piece.seconds / 60
            for wall_from, wall_to in window.parts_on(piece.day):
                a = max(piece.start, piece.instant(wall_from))
                b = min(piece.end, piece.instant(wall_to))
                if b > a:
                    late[piece.day] += (b - a).total_seconds() / 60

    opens = opens_by_local_day(items, history)
    unlock_days: dict[date, int] = {}
    by_method = dict.fromkeys(UNLOCK_METHODS, 0)
    for unlock in unlocks:
        if unlock.user != user:
            raise InputError(
                "the summary is for one user; found an unlock of another",
                details={"code": "mixed_users"},
            )
        day = local_date(unlock.at, history)
        if day in wanted:
            unlock_days[day] = unlock_days.get(day, 0) + 1
            if day >= week_start:
                by_method[unlock.method] += 1

    summaries = tuple(
        DaySummary(
            day=d,
            minutes=minutes[d],
            late_night_minutes=late[d],
            opens=opens.get(d, 0),
            unlocks=unlock_days.get(d, 0),
            limit_minutes=None if limits is None else limits.limit_on(d),
        )
        for d in days
    )
    return WeeklySummary(
        user=user,
        week_start=week_start,
        zone=history.current.key,
        late_night=window,
        days=summaries[7:],
        totals=_totals(summaries[7:]),
        previous=_totals(summaries[:7]),
        unlocks_by_method=by_method,
    )


def _totals(days: Iterable[DaySummary]) -> WeekTotals:
    items = list(days)
    return WeekTotals(
        minutes=sum(d.minutes for d in items),
        late_night_minutes=sum(d.late_night_minutes for d in items),
        opens=sum(d.opens for d in items),
        unlocks=sum(d.unlocks for d in items),
    )


# ---------------------------------------------------------------------------------------------
# Chart

_WEEKDAYS = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "fr": ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."),
    "ar": ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"),
}

_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Screen time, week of {start}",
        "minutes": "minutes",
        "daytime": "daytime",
        "late": "late night ({start}-{end})",
        "limit": "daily limit",
        "total": "Total: {total} min ({change} on last week)",
        "total_new": "Total: {total} min (no use last week)",
        "unit": "min",
        "date": "%Y-%m-%d",
    },
    "fr": {
        "title": "Temps d'écran, semaine du {start}",
        "minutes": "minutes",
        "daytime": "journée",
        "late": "tard le soir ({start}-{end})",
        "limit": "limite quotidienne",
        "total": "Total : {total} min ({change} par rapport à la semaine dernière)",
        "total_new": "Total : {total} min (aucune utilisation la semaine dernière)",
        "unit": "min",
        "date": "%d/%m/%Y",
    },
    "ar": {
        "title": "وقت الشاشة، أسبوع {start}",
        "minutes": "دقائق",
        "daytime": "النهار",
        "late": "آخر الليل (من {start} إلى {end})",
        "limit": "الحد اليومي",
        "total": "المجموع: {total} دقيقة ({change} مقارنة بالأسبوع الماضي)",
        "total_new": "المجموع: {total} دقيقة (لا استخدام في الأسبوع الماضي)",
        "unit": "دقيقة",
        "date": "%d/%m/%Y",
    },
}


def chart_language(language: str | None) -> str:
    """The chart language for a user language: ``ar`` for Arabic and its varieties (``ary``
    Darija included), ``fr``, else ``en`` (also for a missing or unknown language)."""
    if not language or not language.strip():
        return "en"
    tag = language.strip().lower()
    base = re.split(r"[-_]", tag, maxsplit=1)[0]
    if tag in _ARABIC_VARIETIES or base in _ARABIC_VARIETIES:
        return "ar"
    return base if base in CHART_LANGUAGES else "en"


def _rtl(text: str) -> str:
    import arabic_reshaper
    from bidi.algorithm import get_display

    return "\n".join(str(get_display(arabic_reshaper.reshape(line))) for line in text.split("\n"))


def _change_text(summary: WeeklySummary, unit: str) -> str:
    change = round(summary.change_minutes)
    text = f"{change:+d} {unit}"
    if summary.change_percent is not None:
        text += f", {summary.change_percent:+.0f}%"
    return text


def summary_chart(summary: WeeklySummary, language: str | None = "en") -> bytes:
    """The week as a PNG chart (bytes) in ``language`` (see :func:`chart_language`)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    lang = chart_language(language)
    texts = _TEXTS[lang]
    label: Callable[[str], str] = _rtl if lang == "ar" else str
    days = summary.days
    positions = list(range(len(days)))
    late = [d.late_night_minutes for d in days]
    daytime = [max(0.0, d.minutes - d.late_night_minutes) for d in days]

    fig = Figure(figsize=(8.0, 4.8), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.bar(positions, daytime, color="#5B8DEF", label=label(texts["daytime"]))
    ax.bar(
        positions,
        late,
        bottom=daytime,
        color="#2E2A6B",
        label=label(texts["late"].format(**summary.late_night.to_dict())),
    )
    limit_drawn = False
    for x, d in zip(positions, days, strict=True):
        if d.limit_minutes is None:
            continue
        ax.hlines(
            d.limit_minutes,
            x - 0.45,
            x + 0.45,
            colors="#D93025",
            linestyles="dashed",
            label="_nolegend_" if limit_drawn else label(texts["limit"]),
        )
        limit_drawn = True
    ticks = [label(f"{_WEEKDAYS[lang][d.day.weekday()]}\n{d.day.strftime('%d/%m')}") for d in days]
    ax.set_xticks(positions, ticks, fontfamily=_FONT)
    ax.set_ylabel(label(texts["minutes"]), fontfamily=_FONT)
    highest = max([60.0, *(d.minutes for d in days), *(d.limit_minutes or 0 for d in days)])
    ax.set_ylim(0, highest * 1.1)  # an empty week still gets a readable scale
    start = summary.week_start.strftime(texts["date"])
    ax.set_title(label(texts["title"].format(start=start)), fontsize=13, fontfamily=_FONT)
    total = round(summary.totals.minutes)
    if summary.previous.minutes <= 0:
        caption = texts["total_new"].format(total=total)
    else:
        caption = texts["total"].format(total=total, change=_change_text(summary, texts["unit"]))
    fig.supxlabel(label(caption), fontsize=10, fontfamily=_FONT)
    if lang == "ar":
        ax.invert_xaxis()
        ax.yaxis.tick_right()
        ax.yaxis.set_label_position("right")
    handles, names = ax.get_legend_handles_labels()
    if lang == "ar":  # read from the right
        handles, names = handles[::-1], names[::-1]
    fig.legend(
        handles,
        names,
        loc="outside upper center",
        ncols=3,
        frameon=False,
        prop={"family": _FONT, "size": 9},
    )
    ax.spines[["top", "left" if lang == "ar" else "right"]].set_visible(False)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
