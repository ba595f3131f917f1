"""Smart-city projects: the registry's records, their partners, workflow and forms."""
