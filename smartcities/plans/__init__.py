"""National and city action plans, with their initiatives; the Plan file import/export."""
