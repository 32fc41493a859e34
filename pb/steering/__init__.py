"""Steering groups (ohjausryhmä): officials, NGO representatives and experts by experience."""
