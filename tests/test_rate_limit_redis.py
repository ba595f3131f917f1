"""With RATELIMIT_STORAGE_URI on Redis, sign-in limits hold across worker processes (as under gunicorn), and
still only for the address that failed."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

WORKER = textwrap.dedent("""
    import sys
    from smartcities import create_app
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": sys.argv[1], "RATELIMIT_STORAGE_URI": sys.argv[2],
                      "RATELIMIT_KEY_PREFIX": sys.argv[3], "LOGIN_RATE_LIMIT": "3 per minute"})
    client = app.test_client()
    for _ in range(int(sys.argv[4])):
        response = client.post("/login", data={"email": "someone@example.org", "password": "wrong password"},
                               environ_base={"REMOTE_ADDR": sys.argv[5]})
        print(response.status_code)
""")


def attempts(app, prefix: str, count: int, address: str = "203.0.113.9") -> list[int]:
    """Failed sign-ins made by a separate process, like another gunicorn worker."""
    result = subprocess.run([sys.executable, "-c", WORKER, app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL,
                             prefix, str(count), address], capture_output=True, text=True, timeout=60, check=True)
    return [int(line) for line in result.stdout.split()]


def test_sign_in_limit_is_shared_by_workers(app):
    prefix = f"ascn-test-{uuid.uuid4().hex}"
    assert attempts(app, prefix, 2) == [400, 400]
    assert attempts(app, prefix, 2) == [400, 429]  # the third failure overall is the last one allowed
    assert attempts(app, prefix, 1, address="198.51.100.4") == [400]  # another address may still try the account
