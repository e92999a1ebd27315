"""Races with real threads: every attempt waits at one barrier, then all run at once, each on its own
database connection (closed after, so the test database can be dropped)."""

import threading

from django.db import connection


def at_once(attempt, items, *, timeout=180):
    """`attempt(item)` for every item at the same moment; the outcomes, in finishing order. An attempt
    returns its outcome (catching the refusals it expects); anything else it raises is the outcome
    "error: …", which a test then sees."""
    barrier = threading.Barrier(len(items))
    outcomes, lock = [], threading.Lock()

    def run(item):
        try:
            barrier.wait()
            result = attempt(item)
        except Exception as exc:  # noqa: BLE001 — any other outcome is what the test must catch
            result = f"error: {exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return outcomes
