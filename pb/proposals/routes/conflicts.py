"""Both versions of a field in an edit conflict, as plain text for the side-by-side table."""

from flask_babel import gettext as _

from pb.i18n import local_date
from pb.money import money
from pb.proposals import services
from pb.proposals.models import PartnerKind


def field_label(form, name):
    """The label a person knows the field by on this step."""
    labels = {
        "district_ids": lambda: form.districts.label.text,
        "cofunding_cents": lambda: form.cofunding.label.text,
        "lines": lambda: _("Costs you ask the call to pay"),
        "partners": lambda: _("Partners"),
        "goals": lambda: _("Goals"),
    }
    if name in labels:
        return labels[name]()
    return form[name].label.text


def _partner_text(partner):
    kind = PartnerKind(partner["kind"]).label if partner.get("kind") else ""
    return f"{partner['name']} ({kind}): {partner.get('role') or ''}"


def field_text(proposal, name, value):
    """``value`` of the field ``name`` (in the shape of a step form's ``step_data()``) as readable text."""
    if name in ("start_date", "end_date"):
        return local_date(value)
    if name == "cofunding_cents":
        return money(value or 0)
    if name == "district_ids":
        names = {district.id: district.display_name for district in services.district_choices(proposal.call)}
        return ", ".join(names.get(district_id, str(district_id)) for district_id in sorted(value or []))
    if name == "lines":
        return "\n".join(f"{item}: {money(amount)}" for item, amount in value)
    if name == "partners":
        return "\n".join(_partner_text(partner) for partner in value)
    if name == "goals":
        return "\n".join(
            _("%(change)s – measured by: %(measure)s (now %(baseline)s, target %(target)s)", **goal) for goal in value
        )
    return value or ""
