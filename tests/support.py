"""Helpers the tests import (conftest modules are not importable by name: there are two of them)."""
from __future__ import annotations

import re

PASSWORD = "correct horse battery"


def csrf_token(client, path: str = "/login") -> str:
    """The CSRF token of this client's session, read from a rendered form."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, f"no csrf_token on {path}"
    return match.group(1)


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, email: str, password: str = PASSWORD):
        return self.client.post("/login", data={"email": email, "password": password,
                                                "csrf_token": csrf_token(self.client)})

    def logout(self):
        return self.client.post("/logout", data={"csrf_token": csrf_token(self.client, "/")})
