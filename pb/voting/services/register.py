"""The population-register extract of a round: staff import the municipality's list of eligible residents.

A file has one resident a line: personal identity code, year of birth, home district. It is read
whole and checked line by line (control character, the year against the code, the district and
its budget, the same person twice); one wrong line refuses the whole file with every line's reason,
so a register is never half imported. Only the round's keyed voter key of each person is stored.

Staff may also make a code letter for each imported resident: a voting code bound to that person,
returned once (with the identity code, for the mailing house) and never stored in clear.
"""

import csv
import io
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, insert

from pb.audit.services import record
from pb.auth.identity import IdentityError, parse_personal_code
from pb.codes import formatted
from pb.districts.models import District
from pb.errors import DomainError
from pb.extensions import db
from pb.models_base import utcnow
from pb.voting import codes
from pb.voting.models import RegisterEntry, RoundPhase, VotingCode, VotingCodeBatch
from pb.voting.services.errors import RoundRuleError

# Column names accepted in the first line, in Finnish, Swedish and English.
COLUMNS = {
    "identifier": ("henkilötunnus", "hetu", "personbeteckning", "identifier", "personal_identity_code"),
    "birth_year": ("syntymävuosi", "födelseår", "birth_year"),
    "district": ("alue", "område", "district"),
}
MAX_REPORTED_ERRORS = 200


@dataclass
class LineError:
    line: int
    message: str


class RegisterFileRefused(DomainError):
    """The file was not imported; ``errors`` has each wrong line and why."""

    status = 422

    def __init__(self, errors, total_lines=0):
        super().__init__(_("Nothing was imported: %(count)s lines need fixing.", count=len(errors)))
        self.errors = errors[:MAX_REPORTED_ERRORS]
        self.error_count = len(errors)
        self.total_lines = total_lines


@dataclass
class RegisterImport:
    imported: int
    # (identity code as written in the file, voting code) for the mailing house; empty without letters.
    letters: list = field(default_factory=list)


def _header_map(header):
    names = [name.strip().lower() for name in header]
    found = {}
    for column, aliases in COLUMNS.items():
        index = next((i for i, name in enumerate(names) if name in aliases), None)
        if index is None:
            raise RegisterFileRefused([LineError(1, _(
                "The first line must name the columns: henkilötunnus, syntymävuosi, alue "
                "(or identifier, birth_year, district)."
            ))])
        found[column] = index
    return found


def _districts_by_name(budget_round):
    """Every name (in every language) and number of the districts that have a budget in the round."""
    with_budget = {budget.district_id for budget in budget_round.district_budgets}
    names = {}
    for district in db.session.execute(db.select(District)).scalars():
        if district.id not in with_budget:
            continue
        names[str(district.id)] = district.id
        for name in (district.name or {}).values():
            names[name.strip().lower()] = district.id
    return names


def read_register(budget_round, text):
    """Check every line; returns ``[(line, identifier, PersonalCode, district_id, voter_key)]`` or refuses."""
    try:
        delimiter = csv.Sniffer().sniff(text[:4096], delimiters=";,\t").delimiter
    except csv.Error:
        delimiter = ";"
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not rows:
        raise RegisterFileRefused([LineError(1, _("The file is empty."))])
    columns = _header_map(rows[0])
    districts = _districts_by_name(budget_round)
    on_register = set(db.session.execute(
        db.select(RegisterEntry.voter_key).filter_by(round_id=budget_round.id)
    ).scalars())
    seen, lines, errors = {}, [], []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(column, row=row):
            index = columns[column]
            return row[index].strip() if index < len(row) else ""

        try:
            person = parse_personal_code(cell("identifier"))
        except IdentityError as error:
            errors.append(LineError(number, str(error)))
            continue
        year = cell("birth_year")
        if not year.isdigit() or int(year) != person.birth_year:
            errors.append(LineError(number, _("The year of birth %(year)s does not match the identity code.", year=year)))
            continue
        district_id = districts.get(cell("district").lower())
        if district_id is None:
            errors.append(LineError(number, _(
                "The district \"%(name)s\" has no budget in this round. Write the name of a district of the round.",
                name=cell("district"),
            )))
            continue
        key = codes.person_voter_key(budget_round, person.person_hash)
        if key in seen:
            errors.append(LineError(number, _("The same person is already on line %(line)s.", line=seen[key])))
            continue
        if key in on_register:
            errors.append(LineError(number, _("This person is already on the round's register.")))
            continue
        seen[key] = number
        lines.append((number, cell("identifier"), person, district_id, key))
    if errors:
        raise RegisterFileRefused(errors, total_lines=len(rows) - 1)
    if not lines:
        raise RegisterFileRefused([LineError(2, _("The file has no residents after the first line."))])
    return lines


def import_register(actor, budget_round, text, *, code_letters=False):
    """Add the residents of ``text`` to the round's register, all or nothing. Audited without identities."""
    if budget_round.phase.order > RoundPhase.VOTING.order or budget_round.is_voting_over():
        raise RoundRuleError(_("Voting is over, so the register can no longer be changed."))
    lines = read_register(budget_round, text)
    now = utcnow()
    letters, code_ids = [], {}
    if code_letters:
        batch = VotingCodeBatch(
            round_id=budget_round.id, label=_("Code letters from the register, %(date)s", date=now.date().isoformat()),
            size=len(lines), created_by_id=actor.id,
        )
        db.session.add(batch)
        db.session.flush()
        for _number, identifier, _person, district_id, key in lines:
            plain = codes.new_voting_code()
            code = VotingCode(
                batch_id=batch.id, round_id=budget_round.id, code_hash=codes.code_hash(budget_round, plain),
                district_id=district_id, bound_voter_key=key,
            )
            db.session.add(code)
            letters.append((identifier, formatted(plain)))
            code_ids[key] = code
        db.session.flush()
    db.session.execute(insert(RegisterEntry), [
        {"round_id": budget_round.id, "voter_key": key, "birth_year": person.birth_year, "district_id": district_id,
         "code_id": code_ids[key].id if key in code_ids else None, "imported_by_id": actor.id, "imported_at": now}
        for _number, _identifier, person, district_id, key in lines
    ])
    db.session.flush()
    record(actor, "voting.register_imported", budget_round,
           {"round_id": budget_round.id, "residents": len(lines), "code_letters": bool(code_letters)})
    return RegisterImport(imported=len(lines), letters=letters)


def register_summary(budget_round):
    """Residents on the round's register by district: ``[(district, residents, code letters)]``."""
    query = (
        db.select(District, func.count(RegisterEntry.id), func.count(RegisterEntry.code_id))
        .join(RegisterEntry, RegisterEntry.district_id == District.id)
        .where(RegisterEntry.round_id == budget_round.id)
        .group_by(District.id)
        .order_by(District.id)
    )
    return db.session.execute(query).all()


def clear_register(actor, budget_round):
    """Remove the whole register and its code letters, before voting opens (no code can have voted yet)."""
    if budget_round.is_frozen:
        raise RoundRuleError(_("Voting has opened, so the register can no longer be removed."))
    removed = db.session.execute(
        db.delete(RegisterEntry).where(RegisterEntry.round_id == budget_round.id)
    ).rowcount
    db.session.execute(db.delete(VotingCode).where(
        VotingCode.round_id == budget_round.id, VotingCode.bound_voter_key.is_not(None)
    ))
    empty = db.select(VotingCode.id).where(VotingCode.batch_id == VotingCodeBatch.id).exists()
    db.session.execute(db.delete(VotingCodeBatch).where(VotingCodeBatch.round_id == budget_round.id, ~empty))
    db.session.flush()
    record(actor, "voting.register_cleared", budget_round, {"round_id": budget_round.id, "residents": removed})
    return removed
