"""Organisations that apply for funding: registered NGOs, resident groups, cooperatives, and their members."""
