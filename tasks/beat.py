"""The beat scheduler, with a heartbeat: each tick stamps "beat" (at most once a minute), so /readyz and
the staff overview know the scheduler is alive. Named in config/celery.py (beat_scheduler), so
`celery -A config beat` and `worker --beat` both use it."""

import logging
import time

from celery.beat import PersistentScheduler
from django.db import close_old_connections, connection

log = logging.getLogger(__name__)

STAMP_EVERY = 60  # seconds


class HeartbeatScheduler(PersistentScheduler):
    _stamped = 0.0

    def tick(self, *args, **kwargs):
        if time.monotonic() - self._stamped >= STAMP_EVERY:
            self._stamp()
        return min(super().tick(*args, **kwargs), STAMP_EVERY)

    def _stamp(self) -> None:
        from core.health import BEAT, heartbeat_stamp

        close_old_connections()
        try:
            heartbeat_stamp(BEAT)
            self._stamped = time.monotonic()
        except Exception:  # noqa: BLE001 -- a database away must not stop the schedule; the next tick tries again
            log.warning("beat heartbeat not recorded", exc_info=True)
        finally:
            # Beat lives for months: no connection held open between stamps (a restarted server's is dead).
            connection.close()
