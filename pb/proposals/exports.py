"""How a proposal reads outside the form: as labelled fields (preview, receipt mail, printouts),
as a line-by-line diff between versions, and as the staff downloads of all proposals sent
to a call, a CSV table and a ZIP of HTML printouts.

The downloads read each proposal's latest *submitted* version (what the applicant sent), never the
working copy, and leave out drafts that were never sent. The CSV is UTF-8 with a byte order
mark so that Excel opens the Finnish letters correctly; amounts are in euros with a decimal
point, dates in ISO 8601, so the file also reads cleanly into other tools. Text that a spreadsheet
would run as a formula is written with a quote in front (:mod:`pb.spreadsheet`).
"""

import difflib
import io
import zipfile
from datetime import date

from flask import render_template
from flask_babel import gettext as _

from pb.i18n import local_date, localized
from pb.money import money, plain_euros
from pb.orgs.models import OrganisationKind
from pb.proposals.models import PartnerKind
from pb.proposals.services.reading import call_proposals
from pb.spreadsheet import DictWriter, Number


def rendered_fields(data):
    """A snapshot as ``[(label, text)]`` in the current language: the one readable form of a
    proposal that the preview, the receipt mail, the printouts and the version diff all use."""
    organisation = data.get("organisation")
    fields = [
        (_("Applicant"), organisation["name"] if organisation else data.get("applicant_name") or ""),
    ]
    if data.get("applicant_kind"):
        fields.append((_("Kind of applicant"), str(OrganisationKind(data["applicant_kind"]).label)))
    fields += [
        (_("Name of the proposal"), data["title"]),
        (_("Summary in plain language"), data["summary"]),
        (_("Description"), data["description"]),
        (_("Who the activity is for"), data["target_groups"]),
        (_("Districts"), ", ".join(localized(d["name"]) for d in data["districts"]) or _("Whole municipality")),
        (_("Starts"), _format_date(data["start_date"])),
        (_("Ends"), _format_date(data["end_date"])),
    ]
    for number, partner in enumerate(data["partners"], start=1):
        fields.append(
            (_("Partner %(number)s", number=number),
             f"{partner['name']} ({PartnerKind(partner['kind']).label}): {partner['role']}")
        )
    for number, line in enumerate(data["budget_lines"], start=1):
        fields.append((_("Cost %(number)s", number=number), f"{line['item']}: {money(line['amount_cents'])}"))
    fields += [
        (_("Asked from the call"), money(data["requested_cents"])),
        (_("Own funding"), money(data["cofunding_cents"])),
        (_("Where the own funding comes from"), data["cofunding_sources"]),
        (_("All costs together"), money(data["total_cents"])),
    ]
    for number, goal in enumerate(data["goals"], start=1):
        fields.append(
            (
                _("Goal %(number)s", number=number),
                "\n".join(
                    (
                        _("What will change: %(text)s", text=goal["change"]),
                        _("How it is measured: %(text)s", text=goal["measure"]),
                        _("Now: %(text)s", text=goal["baseline"] or "–"),
                        _("Target: %(text)s", text=goal["target"] or "–"),
                    )
                ),
            )
        )
    for number, attachment in enumerate(data["attachments"], start=1):
        fields.append((_("Attachment %(number)s", number=number), attachment["name"]))
    return fields


def _format_date(value):
    return local_date(date.fromisoformat(value)) if value else ""


def as_text(data):
    """A snapshot as plain text (the copy in the receipt mail)."""
    return "\n\n".join(f"{label}:\n{text}" for label, text in rendered_fields(data))


def _lines(data):
    lines = []
    for label, text in rendered_fields(data):
        for line in (text or "").splitlines() or [""]:
            lines.append(f"{label}: {line}")
    return lines


def diff(old, new):
    """What changed between two snapshots, line by line: ``[(kind, line)]`` with kind "same", "removed",
    "added", or "gap" (unchanged lines left out). An empty list means nothing changed."""
    before, after = _lines(old), _lines(new)
    rows = []
    for group in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_grouped_opcodes(1):
        if rows:
            rows.append(("gap", ""))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                rows.extend(("same", line) for line in before[i1:i2])
                continue
            rows.extend(("removed", line) for line in before[i1:i2])
            rows.extend(("added", line) for line in after[j1:j2])
    return rows


CSV_COLUMNS = (
    "id",
    "status",
    "eligibility",
    "ineligibility_reason",
    "screening_note",
    "version",
    "first_submitted_at",
    "version_submitted_at",
    "channel",
    "applicant",
    "applicant_kind",
    "title",
    "summary",
    "description",
    "target_groups",
    "districts",
    "start_date",
    "end_date",
    "partners",
    "budget_lines",
    "requested_eur",
    "cofunding_eur",
    "total_eur",
    "cofunding_sources",
    "goals",
    "attachments",
)


def _row(proposal):
    version = proposal.latest_version
    data = version.snapshot
    organisation = data["organisation"]
    return {
        "id": proposal.id,
        "status": proposal.status.value,
        "eligibility": proposal.eligibility.value if proposal.eligibility else "",
        "ineligibility_reason": proposal.ineligibility_reason.value if proposal.ineligibility_reason else "",
        "screening_note": proposal.screening_note,
        "version": version.number,
        "first_submitted_at": proposal.submitted_at.isoformat() if proposal.submitted_at else "",
        "version_submitted_at": version.submitted_at.isoformat(),
        "channel": data["channel"],
        "applicant": organisation["name"] if organisation else data["applicant_name"],
        "applicant_kind": data["applicant_kind"] or "",
        "title": data["title"],
        "summary": data["summary"],
        "description": data["description"],
        "target_groups": data["target_groups"],
        "districts": "; ".join(localized(district["name"]) for district in data["districts"]),
        "start_date": data["start_date"] or "",
        "end_date": data["end_date"] or "",
        "partners": "\n".join(f"{p['name']} ({p['kind']}): {p['role']}" for p in data["partners"]),
        "budget_lines": "\n".join(
            f"{line['item']}: {plain_euros(line['amount_cents'])}" for line in data["budget_lines"]
        ),
        "requested_eur": Number(plain_euros(data["requested_cents"])),
        "cofunding_eur": Number(plain_euros(data["cofunding_cents"])),
        "total_eur": Number(plain_euros(data["total_cents"])),
        "cofunding_sources": data["cofunding_sources"],
        "goals": "\n".join(
            f"{goal['change']} | {goal['measure']} | {goal['baseline']} | {goal['target']}" for goal in data["goals"]
        ),
        "attachments": "; ".join(attachment["name"] for attachment in data["attachments"]),
    }


def sent_proposals(call):
    """The call's proposals that were sent at least once, with their versions loaded in one go."""
    return [proposal for proposal in call_proposals(call, with_versions=True) if proposal.latest_version is not None]


def proposals_csv(call):
    """The CSV file as bytes."""
    buffer = io.StringIO()
    writer = DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for proposal in sent_proposals(call):
        writer.writerow(_row(proposal))
    return buffer.getvalue().encode("utf-8-sig")


def printout_html(proposal):
    version = proposal.latest_version
    return render_template(
        "proposals/printout.html", proposal=proposal, version=version, fields=rendered_fields(version.snapshot)
    )


def proposals_zip(call):
    """One HTML printout per proposal plus an index page, as the bytes of a ZIP file."""
    buffer = io.BytesIO()
    proposals = sent_proposals(call)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        names = []
        for proposal in proposals:
            name = f"proposal-{proposal.id}.html"
            names.append((name, proposal))
            archive.writestr(name, printout_html(proposal))
        archive.writestr("index.html", render_template("proposals/printout_index.html", call=call, entries=names))
    return buffer.getvalue()
