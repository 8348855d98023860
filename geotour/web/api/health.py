"""Health for load balancers and orchestrators: /healthz/live, /healthz/ready (also /healthz).

A cache outage is not a site outage: without Redis the app serves uncached, so a machine stays in the
balancer and reports "degraded". Only a machine that cannot serve at all (the database unreachable and
nothing cached that it could answer from) answers 503.
"""

import time
from typing import Any

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from geotour.context import current
from geotour.web.responses import cache

bp = Blueprint("health", __name__)
RETRY_AFTER_S = 10


def _database() -> dict[str, Any]:
    try:
        return {"ok": True, "data_version": current().storage.data_version()}
    except Exception as exc:  # noqa: BLE001 - a health check reports every failure
        current_app.logger.warning("health: database check failed: %s", exc)
        return {"ok": False}


def _cache() -> dict[str, Any]:
    if current_app.config["CACHE_TYPE"] == "NullCache":
        return {"ok": True, "configured": False}
    try:
        cache.set("healthz", "ok", timeout=10)
        return {"ok": cache.get("healthz") == "ok"}
    except Exception as exc:  # noqa: BLE001
        current_app.logger.warning("health: cache check failed: %s", exc)
        return {"ok": False}


def _can_answer_from_cache(checks: dict[str, dict[str, Any]]) -> bool:
    """Return whether, with the database down, cached answers can still be served (see responses.cached_json)."""
    if not checks["cache"]["ok"] or not checks["cache"].get("configured", True):
        return False
    try:
        current().storage.data_version(allow_stale=True)
        return True
    except Exception:  # noqa: BLE001 - no version ever read here: nothing cached that it could serve
        return False


@bp.get("/healthz")
@bp.get("/healthz/ready")
def ready() -> ResponseReturnValue:
    """Answer 200 "ok", 200 "degraded" (naming what is missing) or 503 when this machine cannot serve.

    This is the check a load balancer should use.
    """
    started = time.perf_counter()
    checks = {"database": _database(), "cache": _cache()}
    missing = [name for name, check in checks.items() if not check["ok"]]
    serving = checks["database"]["ok"] or _can_answer_from_cache(checks)
    status = "ok" if not missing else ("degraded" if serving else "unavailable")
    response = jsonify(
        {
            "status": status,
            "missing": missing,
            "checks": checks,
            "elapsed_ms": round((time.perf_counter() - started) * 1000, 1),
        }
    )
    response.status_code = 200 if serving else 503
    response.cache_control.no_store = True
    if not serving:
        response.headers["Retry-After"] = str(RETRY_AFTER_S)
    return response


@bp.get("/healthz/live")
def live() -> ResponseReturnValue:
    """Answer 200 while the process answers at all (restart it only when this fails); checks nothing else."""
    response = jsonify({"status": "alive"})
    response.cache_control.no_store = True
    return response
