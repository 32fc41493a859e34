"""Saves merged by field: two people editing the same proposal block each other only on a real conflict.

Each step form carries, besides the row's version, the step's values as the form showed them
(``loaded``). When the row changed meanwhile, a field counts as changed by someone else if its
value now differs from ``loaded``, and as changed here if the typed value differs from ``loaded``.
Only a field changed on both sides, to different values, is a conflict: then nothing is saved and
both versions are shown. Every other field takes whichever side changed it, so people working on
different steps (or different fields of one step) never block each other.
"""

import json

from flask_babel import gettext as _

from pb.proposals.services.common import ProposalRuleError

STEP_FIELDS = {
    "basics": (
        "title", "summary", "description", "target_groups", "district_ids", "start_date", "end_date", "partners",
    ),
    "budget": ("lines", "cofunding_cents", "cofunding_sources"),
    "goals": ("goals",),
}


class EditConflict(ProposalRuleError):
    """The same field was changed here and by someone else since the form was shown; nothing was saved.

    ``fields`` are the field names (see :data:`STEP_FIELDS`), ``theirs`` the saved values in
    the shape of the step form's ``step_data()``.
    """

    def __init__(self, fields, theirs):
        super().__init__(
            _(
                "Someone else changed the same parts of this step while you were editing it, so nothing was "
                "saved. Both versions are shown below; what you typed is still in the form. Save again to keep "
                "what you typed."
            ),
            status=409,
        )
        self.fields = fields
        self.theirs = theirs


def step_values(proposal, step):
    """The proposal's saved values of ``step``, in the shape of the step form's ``step_data()``."""
    if step == "basics":
        return {
            "title": proposal.title,
            "summary": proposal.summary,
            "description": proposal.description,
            "target_groups": proposal.target_groups,
            "district_ids": [district.id for district in proposal.districts],
            "start_date": proposal.start_date,
            "end_date": proposal.end_date,
            "partners": [dict(partner) for partner in proposal.partners],
        }
    if step == "budget":
        return {
            "lines": [(line.item, line.amount_cents) for line in proposal.budget_lines],
            "cofunding_cents": proposal.cofunding_cents,
            "cofunding_sources": proposal.cofunding_sources,
        }
    return {
        "goals": [
            {"change": goal.change, "measure": goal.measure, "baseline": goal.baseline, "target": goal.target}
            for goal in proposal.goals
        ]
    }


def _comparable(step, values):
    """Each field as a canonical JSON string (dates as ISO text, tuples as lists, district ids sorted)."""
    result = {}
    for name in STEP_FIELDS[step]:
        value = values.get(name)
        if name == "district_ids":
            value = sorted(value or [])
        result[name] = json.dumps(value, default=lambda item: item.isoformat(), sort_keys=True)
    return result


def loaded_marker(proposal, step):
    """What a step form carries as ``loaded``: the step's saved values when the form was built."""
    return json.dumps(_comparable(step, step_values(proposal, step)), sort_keys=True)


def _parse_loaded(step, loaded):
    try:
        values = json.loads(loaded or "")
    except ValueError:
        return None
    if not isinstance(values, dict) or set(values) != set(STEP_FIELDS[step]):
        return None
    return values


def merged_step_data(proposal, step, data, loaded):
    """``data`` merged with what someone else saved since ``loaded``, or None if ``loaded`` is unusable.

    Raises :class:`EditConflict` when a field was changed on both sides to different values.
    """
    base = _parse_loaded(step, loaded)
    if base is None:
        return None
    saved = step_values(proposal, step)
    theirs = _comparable(step, saved)
    mine = _comparable(step, data)
    conflicts = [
        name for name in STEP_FIELDS[step]
        if theirs[name] != base[name] and mine[name] != base[name] and mine[name] != theirs[name]
    ]
    if conflicts:
        raise EditConflict(conflicts, saved)
    return {name: (data[name] if mine[name] != base[name] else saved[name]) for name in STEP_FIELDS[step]}
