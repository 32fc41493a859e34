"""Accounts: registration, sign-in, confirmed addresses, passwords, personal data export and erasure."""
