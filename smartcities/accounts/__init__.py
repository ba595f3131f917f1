"""Users, roles, the permission rules and sign-in."""
