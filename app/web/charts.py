"""Charts that more than one analytics page draws (the business's and the platform's)."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from markupsafe import Markup

from app.analytics import charts


def weekly_bookings(labels: Sequence[str], weeks: Sequence) -> Markup:
    """Bookings and visits done per week (``weeks``: rows with ``bookings`` and ``completed``)."""
    return charts.bar_chart(
        _("Bookings per week"),
        labels,
        [
            (_("Bookings"), [t.bookings for t in weeks], "s1"),
            (_("Visits done"), [t.completed for t in weeks], "s2"),
        ],
    )
