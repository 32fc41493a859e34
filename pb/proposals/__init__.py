"""Proposals (hakemus) to partnership-funding calls: the multi-step form, versions, co-applicants,
assisted submission, screening and the downloads. The blueprint is ``pb.proposals.routes.bp``."""
