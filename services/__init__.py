"""The rules of 践诺: plain functions on a SQLAlchemy session, raising domain errors."""

# The month close keeps closed months' tallies true on every flush, whichever channel writes.
from services import month_close as _month_close  # noqa: F401
