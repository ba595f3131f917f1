"""Matchmaking: which partners are likely to fund which projects (scoring, evidence, pages and API)."""
