"""Funding partners and stakeholders, and partners' interest in projects."""
