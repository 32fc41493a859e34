"""Imports every domain's models so that SQLAlchemy and Alembic see all tables."""

import importlib

MODEL_MODULES = (
    "pb.auth.models",
    "pb.districts.models",
    "pb.orgs.models",
    "pb.steering.models",
    "pb.calls.models",
    "pb.proposals.models",
    "pb.review.models",
    "pb.voting.models",
    "pb.tally.models",
    "pb.implementation.models",
    "pb.agreements.models",
    "pb.surveys.models",
    "pb.impact.models",
    "pb.audit.models",
    "pb.jobs",
    "pb.mail",
)


def import_all():
    for name in MODEL_MODULES:
        importlib.import_module(name)
