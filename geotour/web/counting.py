"""Counting what visitors do without slowing them (geotour.domain.counting says what and how).

A count is added to this process's tally in memory (a lock and a dict: microseconds), and a background thread
adds the tally to the database every GEOTOUR_COUNT_FLUSH_SECONDS, in one transaction, and once more when the
process stops. Every machine adds its own tallies to the same rows, so the totals are the site's. If the
database cannot be reached, the tally is kept for the next try; a count never fails the answer it rides on.
At most one interval of counts is lost if a process is killed outright (SIGKILL, power cut).
"""

import atexit
import logging
import os
import threading
import time
from collections import Counter

from flask import Flask, current_app, request

from geotour.domain import counting
from geotour.storage import Storage, StorageUnavailable
from geotour.storage.sql_counts import CountKey

log = logging.getLogger(__name__)


class Tally:
    """This process's counts not yet in the database."""

    def __init__(self, storage: Storage, interval_s: int) -> None:
        self._storage = storage
        self._interval = interval_s
        self._after_fork()
        os.register_at_fork(after_in_child=self._after_fork)

    def _after_fork(self) -> None:
        """Start empty: counts a parent process holds are the parent's to write (and its lock may be held)."""
        self._lock = threading.Lock()
        self._counts: Counter[CountKey] = Counter()
        self._flusher: int | None = None  # the process whose thread flushes

    def add(self, hit: counting.Hit) -> None:
        """Count one hit (written within the interval; at once when the interval is 0)."""
        key = (counting.day_of(), hit.place, hit.event, hit.source, hit.detail)
        with self._lock:
            self._counts[key] += 1
            if self._interval and self._flusher is None:
                self._flusher = os.getpid()
                threading.Thread(target=self._run, name="geotour-counts", daemon=True).start()
                atexit.register(self.flush)
        if not self._interval:
            self.flush()

    def flush(self) -> None:
        """Write what is counted so far to the database (kept for the next try if that fails)."""
        with self._lock:
            taken, self._counts = self._counts, Counter()
        if not taken:
            return
        try:
            self._storage.add_counts(taken)
        except Exception as exc:  # keep the counts for the next flush, never lose or raise
            # The database away is an expected moment, said in one line. A traceback is for the unexpected:
            # formatting one in this thread also parses source (Python 3.11's carets), and CPython 3.11 can
            # fail an ast.parse that runs in another thread at that moment (gh-106905, seen in CI).
            log.warning(
                "counts not written yet (%d kept for the next try): %s",
                sum(taken.values()),
                exc,
                exc_info=not isinstance(exc, StorageUnavailable),
            )
            with self._lock:
                self._counts.update(taken)

    def _run(self) -> None:
        while True:
            time.sleep(self._interval)
            self.flush()


def tally() -> Tally | None:
    """Return the running app's tally, or None when counting is off."""
    found: Tally | None = current_app.extensions.get("geotour_tally")
    return found


def not_a_visitor() -> bool:
    """Tell whether this request comes from a robot or a prefetch (nobody saw it): it is not counted."""
    return counting.is_robot(request.user_agent.string) or counting.is_prefetch(request.headers)


def count(hit: counting.Hit) -> None:
    """Count what the visitor making this request did, unless counting is off or no visitor made it."""
    found = tally()
    if found is None or not_a_visitor():
        return
    found.add(hit)


def count_download(place: str) -> None:
    """Count a route's file fetched by a person (a tap on its link; QGIS or a GPS app asking for it), not by a
    page's script (the service worker keeping it for offline sends Sec-Fetch-Mode: cors or same-origin)."""
    mode = request.headers.get("Sec-Fetch-Mode")
    if mode is None or mode == "navigate":
        count(counting.Hit(counting.DOWNLOAD, place))


def init_app(app: Flask, storage: Storage) -> None:
    """Give the app its tally when GEOTOUR_COUNTING is on."""
    if app.config["GEOTOUR_COUNTING"]:
        app.extensions["geotour_tally"] = Tally(storage, app.config["GEOTOUR_COUNT_FLUSH_SECONDS"])
