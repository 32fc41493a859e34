"""The counting rules' names and descriptions in plain words, in the reader's language.

The rules themselves are in :mod:`pb.rules` (pure, English summaries for developers); staff choose a
rule by these names on the round form, and the result pages (``pb.tally``) explain it with them.
"""

from flask_babel import lazy_gettext as _l

RULE_NAMES = {
    "greedy": _l("Most votes first"),
    "greedy-threshold": _l("Most votes first, with a minimum number of votes"),
    "greedy-no-skip": _l("Most votes first, stopping at the first project that does not fit"),
    "equalshares": _l("Equal Shares"),
    "equalshares/add1": _l("Equal Shares (completed)"),
    "equalshares/add1-comparison": _l("Equal Shares (completed), compared with most votes first"),
    "utilitarian-optimal": _l("Most votes in total"),
}

RULE_DESCRIPTIONS = {
    "greedy": _l(
        "Projects are taken in order of votes, most votes first. A project is funded if its cost fits in the "
        "money that is left. If it does not fit, the next project is checked."
    ),
    "greedy-threshold": _l(
        "Only projects with at least the minimum number of votes take part. They are taken in order of votes, "
        "most votes first, and a project is funded if its cost fits in the money that is left."
    ),
    "greedy-no-skip": _l(
        "Projects are taken in order of votes, most votes first. Counting stops at the first project whose cost "
        "does not fit in the money that is left."
    ),
    "equalshares": _l(
        "Every voter gets an equal share of the budget. A project is funded when the people who voted for it "
        "can pay for it together from their shares. Cheaper projects with many voters go first."
    ),
    "equalshares/add1": _l(
        "Every voter gets an equal share of the budget. A project is funded when the people who voted for it "
        "can pay for it together from their shares. The shares are made a little bigger, step by step, "
        "as long as the funded projects still fit in the budget, so that little money is left over."
    ),
    "equalshares/add1-comparison": _l(
        "First Equal Shares is counted. Then it is compared with counting by most votes first: the result that "
        "more voters like better is used."
    ),
    "utilitarian-optimal": _l(
        "From all the sets of projects that fit in the budget, the set with the most votes in total is funded."
    ),
}


def rule_name(rule):
    """The rule's plain name in the current language; the pabulib name for a rule without one."""
    return str(RULE_NAMES.get(rule, rule))


def rule_description(rule):
    return str(RULE_DESCRIPTIONS.get(rule, ""))
