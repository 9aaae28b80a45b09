from tests.bookings.conftest import quiet_events, salon, writer  # noqa: F401  -- shared engine fixtures
