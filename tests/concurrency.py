"""Run callables at the same moment in threads with their own database connections (PostgreSQL tests)."""

import threading

from django.db import connection

from core.errors import DomainError


def race(calls):
    """Start every call together; returns the sorted outcomes: "ok" or the DomainError's code."""
    barrier, outcomes = threading.Barrier(len(calls)), []

    def run(call):
        try:
            barrier.wait()
            call()
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)
