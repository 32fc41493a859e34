"""Plain-language explanations of a stored outcome: why each project was or was not funded.

The input is the outcome JSON of a :class:`pb.tally.models.TallyRun` (``Outcome.as_dict()`` of
``pb.rules``), never ORM rows or a recount. Every reason kind of ``pb.rules`` has a sentence
here; a test checks that none is missing. Money in an outcome is in minor units of
``outcome["unit"]``; :func:`pb.money.money` wants cents, so amounts are converted first.
"""

from flask_babel import gettext as _
from flask_babel import ngettext

from pb.i18n import number
from pb.money import money
from pb.voting.rule_texts import RULE_DESCRIPTIONS, RULE_NAMES, rule_description, rule_name

__all__ = [
    "RULE_DESCRIPTIONS",
    "RULE_NAMES",
    "comparison_text",
    "equal_shares_notes",
    "explain",
    "explain_all",
    "rule_description",
    "rule_name",
    "score_text",
    "voter_text",
]

#: Every reason kind that ``pb.rules`` produces (see ``pb.rules.model``).
REASON_KINDS = (
    "greedy_selected",
    "greedy_does_not_fit",
    "greedy_after_stop",
    "below_threshold",
    "mes_bought",
    "mes_unaffordable",
    "optimal_selected",
    "optimal_not_selected",
)

POINT_VOTE_TYPES = ("cumulative", "scoring", "ordinal")


def to_cents(amount, unit):
    """Minor units of ``unit`` per currency unit -> cents, rounded down (never shows more than there was)."""
    return int(amount) * 100 // int(unit)


def score_text(score, vote_type="approval"):
    """"1,234 votes" for approval ballots, "1,234 points" where ballots give points."""
    if vote_type in POINT_VOTE_TYPES:
        return ngettext("%(count)s point", "%(count)s points", score, count=number(score))
    return ngettext("%(count)s vote", "%(count)s votes", score, count=number(score))


def score_places(outcome):
    """Each project's place by score: 1 = most votes. Equal scores keep the ballot order, as the rules do."""
    order = sorted(range(len(outcome["projects"])), key=lambda i: (-outcome["projects"][i]["score"], i))
    return {outcome["projects"][i]["id"]: place for place, i in enumerate(order, start=1)}


def explain(result, outcome, *, vote_type="approval", currency="EUR", place=None):
    """The sentence for one project line (``result`` is one entry of ``outcome["projects"]``)."""
    reason = result["reason"]
    kind = reason["kind"]
    unit = outcome["unit"]

    def cash(amount):
        return money(to_cents(amount, unit), currency)

    votes = score_text(result["score"], vote_type)
    if place is None:
        place = score_places(outcome)[result["id"]]
    if kind == "greedy_selected":
        return _(
            "Funded: %(votes)s, place %(place)s in the ranking. When its turn came, %(left)s of %(budget)s was left.",
            votes=votes,
            place=reason["rank"],
            left=cash(reason["money_left_before"]),
            budget=cash(outcome["budget"]),
        )
    if kind == "greedy_does_not_fit":
        return _(
            "Not funded: it needed %(cost)s, but only %(left)s was left when its turn came "
            "(%(votes)s, place %(place)s in the ranking).",
            cost=cash(result["cost"]),
            left=cash(reason["money_left"]),
            votes=votes,
            place=reason["rank"],
        )
    if kind == "greedy_after_stop":
        return _(
            "Not funded: counting stopped at place %(stop)s, because that project did not fit in the money left. "
            "This project was at place %(place)s (%(votes)s).",
            stop=reason["stopped_at_rank"],
            place=reason["rank"],
            votes=votes,
        )
    if kind == "below_threshold":
        return _(
            "Not funded: it got %(votes)s, but at least %(needed)s were needed.",
            votes=votes,
            needed=score_text(reason["threshold"], vote_type),
        )
    if kind == "mes_bought":
        return _(
            "Funded in step %(step)s: the %(voters)s who voted for it could pay %(cost)s together from their "
            "equal shares (%(votes)s, place %(place)s in the ranking).",
            step=reason["round"],
            voters=voter_text(result["supporters"]),
            cost=cash(result["cost"]),
            votes=votes,
            place=place,
        )
    if kind == "mes_unaffordable":
        if result["supporters"] == 0:
            return _("Not funded: nobody voted for it.")
        if _spent_nothing(result, outcome):
            return _(
                "Not funded: it cost %(cost)s, but too few people voted for it. The equal shares of the %(voters)s "
                "who voted for it came to only %(left)s together (%(votes)s, place %(place)s in the ranking).",
                cost=cash(reason["cost"]),
                voters=voter_text(result["supporters"]),
                left=cash(int(reason["supporters_money"])),
                votes=votes,
                place=place,
            )
        return _(
            "Not funded: it cost %(cost)s. The %(voters)s who voted for it had already spent part of their equal "
            "shares on other projects they also chose, and what they had left, %(left)s together, was not enough "
            "(%(votes)s, place %(place)s in the ranking).",
            cost=cash(reason["cost"]),
            voters=voter_text(result["supporters"]),
            left=cash(int(reason["supporters_money"])),
            votes=votes,
            place=place,
        )
    if kind == "optimal_selected":
        return _(
            "Funded: it is part of the set of projects that fits in the budget and has the most votes in total "
            "(%(votes)s).",
            votes=votes,
        )
    if kind == "optimal_not_selected":
        return _(
            "Not funded: the set of projects that fits in the budget and has the most votes in total does not "
            "include it (%(votes)s).",
            votes=votes,
        )
    raise ValueError(f"unknown reason kind {kind!r}")


def _spent_nothing(result, outcome):
    """Whether the supporters of an unaffordable project still had their whole shares (within a cent)."""
    share = outcome.get("per_voter_budget")
    if not share:
        return False
    return result["reason"]["supporters_money"] >= result["supporters"] * share - outcome["unit"] / 100


def equal_shares_notes(outcome, *, currency="EUR"):
    """Sentences for a result counted by Equal Shares: step against place, and what happens to unused money.

    Empty for other rules, and for ``equalshares/add1-comparison`` when most votes first won.
    """
    bought = [result for result in outcome["projects"] if result["reason"]["kind"] == "mes_bought"]
    if not bought:
        return []
    notes = [
        _(
            "The step tells in which order Equal Shares funded the projects; the place tells where the project "
            "is in the ranking by votes. They can differ: a project that fewer people voted for is funded earlier "
            "when it costs each of its voters less."
        )
    ]
    unused = outcome["budget"] - outcome["spent"]
    if unused > 0:
        notes.append(
            _(
                "%(unused)s of %(budget)s stays unused, because the people who voted for the projects that were not "
                "funded could not pay for any of them together from what was left of their shares. The unused money "
                "does not go to any project in this vote: it stays in the municipality's budget.",
                unused=money(to_cents(unused, outcome["unit"]), currency),
                budget=money(to_cents(outcome["budget"], outcome["unit"]), currency),
            )
        )
    return notes


def voter_text(count):
    return ngettext("%(count)s person", "%(count)s people", count, count=number(count))


def explain_all(outcome, *, vote_type="approval", currency="EUR"):
    """``{project id: sentence}`` for every project of the outcome."""
    places = score_places(outcome)
    return {
        result["id"]: explain(result, outcome, vote_type=vote_type, currency=currency, place=places[result["id"]])
        for result in outcome["projects"]
    }


def comparison_text(outcome):
    """For ``equalshares/add1-comparison``: which result won and by how many voters; '' otherwise."""
    comparison = outcome.get("comparison")
    if not comparison:
        return ""
    if comparison["winner"] == "greedy":
        return _(
            "%(greedy)s liked the result of most votes first better, and %(mes)s liked Equal Shares better. "
            "So the result of most votes first is used.",
            greedy=voter_text(comparison["greedy_preferred"]),
            mes=voter_text(comparison["mes_preferred"]),
        )
    return _(
        "%(mes)s liked the result of Equal Shares better, and %(greedy)s liked most votes first better. "
        "So the result of Equal Shares is used.",
        greedy=voter_text(comparison["greedy_preferred"]),
        mes=voter_text(comparison["mes_preferred"]),
    )
