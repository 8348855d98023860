"""Words people see for field names, submission statuses and actions (template helpers for the
contribution and moderation pages)."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("labels", __name__)


def _labels():
    return {
        "name": _l("Name"), "category": _l("Category"), "description_id": _l("Description (Indonesian)"),
        "description_en": _l("Description (English)"), "access": _l("How to get there"),
        "opening_hours": _l("Opening hours"), "ticket_price": _l("Ticket price"), "facilities": _l("Facilities"),
        "whatsapp": _l("WhatsApp"), "phone": _l("Phone"), "price_range": _l("Price range"),
        "owner_consent": _l("Owner's consent"), "geometry": _l("Location"), "location": _l("Location"),
        "photos": _l("Photos"), "file": _l("File"), "layer": _l("Layer"), "reason": _l("Reason"),
        "pending": _l("Waiting for review"), "approved": _l("Approved"), "rejected": _l("Rejected"),
        "create": _l("New place"), "edit": _l("Correction"), "delete": _l("Removal"), "seed": _l("Loaded from file"),
        "revert": _l("Revert"),
    }


@bp.app_template_global()
def field_label(name):
    """Return the label people see for a field name (the name itself when it has none)."""
    return _labels().get(name, name)


@bp.app_template_global()
def status_label(status):
    """Return a submission status in words."""
    return _labels().get(status, status)


@bp.app_template_global()
def action_label(action):
    """Return a submission or version action in words."""
    return _labels().get(action, action)


@bp.app_template_global()
def show_value(value):
    """Return a property value as short text for the diff tables."""
    if value is None:
        return "–"
    if isinstance(value, list):
        return ", ".join(str(v.get("id", v)) if isinstance(v, dict) else str(v) for v in value)
    return str(value)

