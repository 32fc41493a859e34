"""What the agreements hold about a person: the versions they accepted, the reports they sent or entered,
their comments and the files they added. These are the municipality's record of a public grant and are
kept on erasure; the account itself is anonymised by pb.auth, which leaves them without a name."""

from pb.agreements.models import AgreementVersion, ReportAttachment, ReportComment, ReportSubmission
from pb.auth.personal_data import iso, register
from pb.extensions import db


def export(user, email):
    def rows(model, *criteria):
        return db.session.execute(db.select(model).where(*criteria).order_by(model.id)).scalars()

    return {
        "agreement_acceptances": [
            {"agreement_id": v.agreement_id, "version": v.number,
             "side": "staff" if v.staff_accepted_by_id == user.id else "grantee",
             "accepted_at": iso(v.staff_accepted_at if v.staff_accepted_by_id == user.id else v.grantee_accepted_at)}
            for v in rows(AgreementVersion, (AgreementVersion.staff_accepted_by_id == user.id)
                          | (AgreementVersion.grantee_accepted_by_id == user.id))
        ],
        "agreement_reports_sent": [
            {"report_id": s.report_id, "copy": s.number, "sent_at": iso(s.submitted_at), "content": s.content}
            for s in rows(ReportSubmission, ReportSubmission.submitted_by_id == user.id)
        ],
        "agreement_report_comments": [
            {"report_id": c.report_id, "kind": c.kind.value, "text": c.text, "written_at": iso(c.created_at)}
            for c in rows(ReportComment, ReportComment.author_id == user.id)
        ],
        "agreement_report_files": [
            {"report_id": a.report_id, "name": a.original_name, "added_at": iso(a.created_at)}
            for a in rows(ReportAttachment, ReportAttachment.uploaded_by_id == user.id)
        ],
    }


register("agreements", export)
