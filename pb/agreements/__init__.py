"""Funding agreements of approved partnership-funding proposals: jointly agreed indicators, versions both
sides accept, instalments, reports with their comment thread, reminders and the public story page."""
