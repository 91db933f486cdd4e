"""What the admins' status page reads: component health, index lag and the job queue."""
from __future__ import annotations

from flask import current_app


def health() -> dict:
    from ..health import check_database, check_extension, check_index_lag
    return {"database": check_database(), "storage": check_extension("storage"),
            "search_index": check_extension("search_index"), "index_lag": check_index_lag()}


def job_queue() -> dict:
    """Jobs waiting and failed in the Redis queue; ``{"embedded": True}`` without Redis."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return {"embedded": True}
    try:
        from redis import Redis
        from rq import Queue
        queue = Queue(current_app.config["JOBS_QUEUE"],
                      connection=Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2))
        return {"embedded": False, "waiting": queue.count,
                "failed": queue.failed_job_registry.count, "ok": True}
    except Exception as exc:
        current_app.logger.warning("status: job queue: %s", exc)
        return {"embedded": False, "ok": False, "error": type(exc).__name__}
