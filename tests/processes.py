"""Environment for a child salesbot process started by a test."""

import os


def clock_env() -> dict[str, str]:
    """The variables that carry this process's clock to a child: under `make test-dates` the suite runs in
    libfaketime (LD_PRELOAD + FAKETIME*), and a server started without them would live at the real date and
    refuse every signed request as stale."""
    return {k: v for k, v in os.environ.items() if k == "LD_PRELOAD" or k.startswith("FAKETIME")}


def under_faketime() -> bool:
    """True when the suite runs under libfaketime (`make test-dates`). Its faked monotonic clock leaves timed
    waits on condition variables without a deadline, so tests that time network keepalives cannot run there;
    they do not depend on the date, and `make test` runs them."""
    return "faketime" in os.environ.get("LD_PRELOAD", "") or "FAKETIME" in os.environ
