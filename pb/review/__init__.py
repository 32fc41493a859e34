"""Steering-group review: conflicts of interest, blind weighted scoring, ranking, meetings with
reasoned decisions, minutes, notices to applicants and the public decision pages."""
