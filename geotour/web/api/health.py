"""/healthz: is this process able to serve? Checks the database and the cache."""
import time

from flask import Blueprint, current_app, jsonify

from geotour.context import current
from geotour.web.responses import cache

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Answer 200 when the database and the cache work, 503 (with Retry-After) when one does not."""
    checks = {}
    started = time.perf_counter()
    try:
        checks["database"] = {"ok": True, "data_version": current().storage.data_version()}
    except Exception as exc:  # noqa: BLE001 - a health check reports every failure
        current_app.logger.warning("health: database check failed: %s", exc)
        checks["database"] = {"ok": False}
    try:
        cache.set("healthz", "ok", timeout=10)
        checks["cache"] = {"ok": current_app.config["CACHE_TYPE"] == "NullCache" or cache.get("healthz") == "ok"}
    except Exception as exc:  # noqa: BLE001
        current_app.logger.warning("health: cache check failed: %s", exc)
        checks["cache"] = {"ok": False}
    healthy = all(check["ok"] for check in checks.values())
    response = jsonify({"status": "ok" if healthy else "unavailable", "checks": checks,
                        "elapsed_ms": round((time.perf_counter() - started) * 1000, 1)})
    response.status_code = 200 if healthy else 503
    response.cache_control.no_store = True
    if not healthy:
        response.headers["Retry-After"] = "10"
    return response
