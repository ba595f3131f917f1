"""The portal behind a real nginx running the shipped site (deploy/nginx/): the client's address, scheme and host
come from the proxy's X-Forwarded-* headers only when TRUSTED_PROXIES says a proxy stands in front."""
from __future__ import annotations

import gzip
import json
import os
import re
import shlex
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.client import HTTPConnection, HTTPMessage, HTTPSConnection
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from test_production_config import example_settings
from werkzeug.serving import make_server

from smartcities import create_app
from smartcities.extensions import db

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "deploy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"
CLIENT_A, CLIENT_B, DIRECT = "127.0.0.2", "127.0.0.3", "127.0.0.4"  # loopback source addresses
SHARED_CONFIG = ("TESTING", "SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "LEAFLET_CDN", "RATELIMIT_STORAGE_URI",
                 "GEOCODER", "PASSWORD_HASH_METHOD")
WRONG_PASSWORD = "Wrong e-mail or password"
TOO_MANY = "Too many sign-in attempts"
DRAFT = {"title": "Flood sensors on canals", "summary": "Water level sensors and early warning for floods",
         "city": "bangkok", "focus_areas": ["Safety and Security"]}


# --- the app, served over real sockets --------------------------------------------------------------------------

def sibling_app(app, **overrides):
    """Another app on the test database (migrated and seeded by the `app` fixture), with other settings."""
    return create_app({key: app.config[key] for key in SHARED_CONFIG} | overrides)


@contextmanager
def serving(wsgi_app) -> Iterator[int]:
    """Serve an app with werkzeug on a free loopback port, in a thread; yields the port."""
    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with wsgi_app.app_context():
            db.engine.dispose()
        assert not thread.is_alive(), "the test server's thread did not stop within 10 s of shutdown()"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(check: Callable[[], object], what: str, timeout: float = 30, process=None, log: Path | None = None):
    """Poll `check` until it returns something truthy, for at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            break
        try:
            result = check()
        except OSError:
            result = None
        if result:
            return result
        time.sleep(0.05)
    detail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise AssertionError(f"{what} did not happen within {timeout} s\n{detail}")


def accepts_connections(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True


# --- nginx with the shipped site ----------------------------------------------------------------------------------

def _swap(text: str, old: str, new: str, count: int) -> str:
    found = text.count(old)
    assert found == count, (f"deploy/nginx/ascn.conf has {old!r} {found} times, the test expects {count}: "
                            "update shipped_site() in tests/test_proxy.py along with the site")
    return text.replace(old, new)


def shipped_site(*, upstream: str, http_port: int, https_port: int, certificates: Path, logs: Path) -> str:
    """deploy/nginx/ascn.conf with only its machine-specific parts swapped: ports, socket, certificate, paths."""
    text = (DEPLOY / "nginx" / "ascn.conf").read_text()
    for old, new, count in (
        ("server unix:/run/ascn/gunicorn.sock", f"server {upstream}", 1),
        ("listen 80;", f"listen 127.0.0.1:{http_port};", 1),
        ("listen [::]:80;", "", 1),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;", 1),
        ("listen [::]:443 ssl http2;", "", 1),
        ("/etc/letsencrypt/live/ascn.example.org/", f"{certificates}/", 2),
        ("root /srv/ascn/app;", f"root {REPO};", 1),
        ("/var/log/nginx/", f"{logs}/", 2),
    ):
        text = _swap(text, old, new, count)
    return text


def make_certificate(directory: Path) -> Path:
    """A throwaway self-signed certificate for 127.0.0.1, where the site expects Let's Encrypt's files."""
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run([OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", str(directory / "privkey.pem"), "-out", str(directory / "fullchain.pem"),
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True, timeout=60)
    return directory / "fullchain.pem"


class Nginx:
    """nginx in the foreground from one scratch directory: the wrapper nginx.conf around the shipped site."""

    def __init__(self, prefix: Path, site: str) -> None:
        assert Path(NGINX).exists(), "nginx is not installed: run `make install-test` (its `nginx` target)"
        self.prefix = prefix
        for folder in ("logs", "temp", "sites-enabled", "snippets"):
            (prefix / folder).mkdir(parents=True, exist_ok=True)
        user = "user root root;" if os.geteuid() == 0 else ""  # as root, workers must not switch to nobody
        wrapper = (DEPLOY / "nginx" / "test-nginx.conf.in").read_text()
        (prefix / "nginx.conf").write_text(wrapper.replace("@DIR@", str(prefix)).replace("@USER@", user))
        (prefix / "sites-enabled" / "ascn.conf").write_text(site)
        shutil.copy(DEPLOY / "nginx" / "ascn-app.conf", prefix / "snippets" / "ascn-app.conf")
        self.error_log = prefix / "logs" / "error.log"
        self.process: subprocess.Popen | None = None

    def command(self, *extra: str) -> list[str]:
        return [NGINX, *extra, "-p", f"{self.prefix}/", "-c", str(self.prefix / "nginx.conf"),
                "-e", str(self.error_log)]

    def check(self) -> subprocess.CompletedProcess:
        return subprocess.run(self.command("-t"), capture_output=True, text=True, timeout=30)

    @contextmanager
    def running(self, ports: list[int]) -> Iterator[Nginx]:
        self.process = subprocess.Popen(self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for port in ports:
                wait_until(lambda port=port: accepts_connections(port), f"nginx listening on {port}", 15, self.process,
                           self.error_log)
            yield self
        finally:
            self.process.terminate()  # SIGTERM: fast shutdown of the master and its workers
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


# --- a client on its own loopback address ---------------------------------------------------------------------------

@dataclass
class Reply:
    status: int
    headers: HTTPMessage
    body: bytes
    set_cookies: list[str]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def cookie_attributes(self, name: str) -> set[str]:
        """The attribute names (lower case) of the cookie `name` this reply set."""
        for header in self.set_cookies:
            if header.split("=", 1)[0].strip() == name:
                return {part.split("=", 1)[0].strip().lower() for part in header.split(";")[1:]}
        raise AssertionError(f"no {name} cookie in {self.set_cookies}")


@dataclass
class Client:
    """One user agent: connects from `source`, keeps its cookies, sends a Referer with forms as browsers do."""

    base_url: str
    source: str
    cafile: Path | None = None
    cookies: dict[str, str] = field(default_factory=dict)

    def _connection(self):
        parts = urlsplit(self.base_url)
        if parts.scheme == "https":
            context = ssl.create_default_context(cafile=str(self.cafile))
            context.verify_flags &= ~ssl.VERIFY_X509_STRICT  # a minimal self-signed test certificate
            return HTTPSConnection(parts.hostname, parts.port, context=context, source_address=(self.source, 0),
                                   timeout=30)
        return HTTPConnection(parts.hostname, parts.port, source_address=(self.source, 0), timeout=30)

    def request(self, method: str, path: str, *, form: dict | None = None, payload: dict | None = None,
                headers: dict | None = None) -> Reply:
        sent = dict(headers or {})
        body = None
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if form is not None:
            body, sent["Content-Type"] = urlencode(form), "application/x-www-form-urlencoded"
        if payload is not None:
            body, sent["Content-Type"] = json.dumps(payload), "application/json"
        connection = self._connection()
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            reply = Reply(response.status, response.headers, response.read(),
                          response.headers.get_all("Set-Cookie") or [])
        finally:
            connection.close()
        for header in reply.set_cookies:
            name, _, value = header.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        return reply

    def failed_sign_in(self, email: str, headers: dict | None = None) -> Reply:
        """A sign-in with a wrong password, as a browser makes it: the form (for its CSRF token), then the POST."""
        page = self.request("GET", "/login", headers=headers)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
        assert token, f"no sign-in form: {page.status} {page.text[:300]}"
        return self.request("POST", "/login", form={"email": email, "password": "not the password",
                                                    "csrf_token": token.group(1)},
                            headers={"Referer": f"{self.base_url}/login", **(headers or {})})


def assert_failed(reply: Reply) -> None:
    assert reply.status == 400 and WRONG_PASSWORD in reply.text, (reply.status, reply.text[:500])


def assert_blocked(reply: Reply) -> None:
    assert reply.status == 429 and TOO_MANY in reply.text, (reply.status, reply.text[:500])


# --- fixtures ---------------------------------------------------------------------------------------------------------

@dataclass
class Proxied:
    https: str          # nginx over TLS, in front of the app
    http: str           # nginx over plain HTTP (redirects to HTTPS)
    app: str            # the same app, reached directly (what nginx proxies to)
    cafile: Path
    access_log: Path

    def client(self, source: str) -> Client:
        return Client(self.https, source, self.cafile)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> Path:
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def proxied(app, tmp_path_factory, certificate) -> Iterator[Proxied]:
    """The app with TRUSTED_PROXIES=1 (werkzeug, in a thread) behind nginx running the shipped site."""
    trusted = sibling_app(app, TRUSTED_PROXIES=1, LOGIN_RATE_LIMIT="3 per minute")
    with serving(trusted) as app_port:
        prefix = tmp_path_factory.mktemp("nginx")
        http_port, https_port = free_port(), free_port()
        site = shipped_site(upstream=f"127.0.0.1:{app_port}", http_port=http_port, https_port=https_port,
                            certificates=certificate.parent, logs=prefix / "logs")
        with Nginx(prefix, site).running([http_port, https_port]):
            yield Proxied(f"https://127.0.0.1:{https_port}", f"http://127.0.0.1:{http_port}",
                          f"http://127.0.0.1:{app_port}", certificate, prefix / "logs" / "ascn.access.log")


@pytest.fixture(scope="module")
def untrusted(app) -> Iterator[str]:
    """The app as it runs with no proxy declared (TRUSTED_PROXIES=0, the default), reached directly."""
    direct = sibling_app(app, TRUSTED_PROXIES=0, LOGIN_RATE_LIMIT="3 per minute")
    with serving(direct) as port:
        yield f"http://127.0.0.1:{port}"


# --- the tests --------------------------------------------------------------------------------------------------------

def test_nginx_accepts_the_shipped_site(tmp_path, certificate):
    site = shipped_site(upstream=f"127.0.0.1:{free_port()}", http_port=free_port(), https_port=free_port(),
                        certificates=certificate.parent, logs=tmp_path / "logs")
    result = Nginx(tmp_path, site).check()
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr
    assert "[emerg]" not in result.stderr and "[warn]" not in result.stderr, result.stderr


def test_clients_behind_the_proxy_have_their_own_sign_in_limits(proxied):
    a, b = proxied.client(CLIENT_A), proxied.client(CLIENT_B)
    for n in range(3):                                   # LOGIN_RATE_LIMIT = 3 failures per minute per address
        assert_failed(a.failed_sign_in(f"a{n}@example.org"))
    assert_blocked(a.failed_sign_in("a3@example.org"))   # a new account, the same address: blocked
    # A forged X-Forwarded-For does not buy client A a fresh address: nginx appends the address it saw, and
    # the app reads only that last value.
    assert_blocked(a.failed_sign_in("a4@example.org", headers={"X-Forwarded-For": "203.0.113.7"}))
    assert_failed(b.failed_sign_in("b0@example.org"))    # client B, behind the same proxy, is not blocked


def test_overlap_check_limit_counts_each_client_behind_the_proxy(proxied):
    a, b = proxied.client(CLIENT_A), proxied.client(CLIENT_B)
    first, second = (a.request("POST", "/api/v1/overlap-check", payload=DRAFT) for _ in range(2))
    other = b.request("POST", "/api/v1/overlap-check", payload=DRAFT)
    assert [first.status, second.status, other.status] == [200, 200, 200], second.text[:300]
    limit = int(first.headers["X-RateLimit-Limit"])
    assert limit == 120
    remaining = [int(reply.headers["X-RateLimit-Remaining"]) for reply in (first, second, other)]
    assert remaining == [limit - 1, limit - 2, limit - 1]


def test_a_forged_forwarded_for_is_ignored_without_a_trusted_proxy(untrusted, proxied):
    direct = Client(untrusted, DIRECT)
    for n in range(3):
        assert_failed(direct.failed_sign_in(f"d{n}@example.org", headers={"X-Forwarded-For": f"203.0.113.{n}"}))
    assert_blocked(direct.failed_sign_in("d3@example.org", headers={"X-Forwarded-For": "203.0.113.3"}))
    # The setting is what makes the difference: the app that trusts one proxy believes whoever reaches it
    # directly, which is why in production only nginx can (a unix socket in /run/ascn).
    believed = Client(proxied.app, DIRECT)
    for n in range(4):
        assert_failed(believed.failed_sign_in(f"e{n}@example.org", headers={"X-Forwarded-For": f"198.51.100.{n}"}))


def test_cookies_are_secure_behind_https_only(proxied, untrusted):
    over_tls = proxied.client(CLIENT_A).request("GET", "/login")
    assert over_tls.status == 200
    assert {"secure", "httponly"} <= over_tls.cookie_attributes("session")
    plain = Client(proxied.app, DIRECT).request("GET", "/login")   # the same app over plain HTTP, no proxy
    assert "secure" not in plain.cookie_attributes("session")
    forged = Client(untrusted, DIRECT).request("GET", "/login", headers={"X-Forwarded-Proto": "https"})
    assert "secure" not in forged.cookie_attributes("session")


def test_links_carry_the_scheme_host_and_port_the_client_used(proxied, untrusted):
    reply = proxied.client(CLIENT_A).request("GET", "/api/v1/cities/bangkok")
    assert reply.status == 200
    assert json.loads(reply.body)["url"] == f"{proxied.https}/cities/bangkok"
    forged = Client(untrusted, DIRECT).request("GET", "/api/v1/cities/bangkok", headers={
        "X-Forwarded-Proto": "https", "X-Forwarded-Host": "portal.example.org", "X-Forwarded-Port": "8443"})
    assert json.loads(forged.body)["url"] == f"{untrusted}/cities/bangkok"


def test_plain_http_is_sent_to_https(proxied):
    reply = Client(proxied.http, CLIENT_A).request("GET", "/cities?country=TH")
    assert reply.status == 301
    assert reply.headers["Location"] == "https://127.0.0.1/cities?country=TH"


def test_static_files_come_from_disk_compressed(proxied):
    reply = proxied.client(CLIENT_A).request("GET", "/static/css/site.css", headers={"Accept-Encoding": "gzip"})
    assert reply.status == 200 and reply.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(reply.body) == (REPO / "static" / "css" / "site.css").read_bytes()
    assert "max-age=3600" in reply.headers["Cache-Control"]
    assert "X-Request-ID" not in reply.headers  # nginx answered: the app puts one on every response
    page = proxied.client(CLIENT_A).request("GET", "/")
    assert page.status == 200 and "X-Request-ID" in page.headers


def test_nginx_request_id_is_the_apps(proxied):
    client = proxied.client(CLIENT_A)
    probe = uuid.uuid4().hex
    reply = client.request("GET", f"/healthz?probe={probe}", headers={"X-Request-ID": "chosen-by-the-client"})
    request_id = reply.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)     # nginx's $request_id replaced the client's own
    line = wait_until(lambda: next((line for line in proxied.access_log.read_text().splitlines() if probe in line),
                                   None), "nginx's access log line", 5)
    assert line.startswith(CLIENT_A) and f"request_id={request_id}" in line


def production_environment(app, **overrides) -> dict[str, str]:
    """The process environment of deploy/ascn.env.example, pointed at the test database."""
    env = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG", "TZ"}}
    env.update(example_settings())
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    env.update({"SECRET_KEY": "production-test-" + "k" * 40, "DATABASE_URL": url,
                "ALLOW_SQLITE": "1" if url.startswith("sqlite") else "0", "RATELIMIT_STORAGE_URI": "memory://",
                "GEOCODER": "offline", "LEAFLET_CDN": "0", "WEB_CONCURRENCY": "1"}, **overrides)
    return env


def test_gunicorn_as_its_unit_runs_it_behind_nginx(app, tmp_path, certificate):
    """Production's shape: the systemd unit's gunicorn command, the example environment, the site, JSON logs."""
    unit = (DEPLOY / "systemd" / "ascn-web.service").read_text()
    command = shlex.split(re.search(r"^ExecStart=(.+)$", unit, re.M).group(1))
    assert command[0] == "/srv/ascn/app/.venv/bin/gunicorn" and command[-1] == "app:app"
    assert " --config python:smartcities.gunicorn_config " in f" {' '.join(command)} "
    sock = tmp_path / "gunicorn.sock"
    bind = command.index("unix:/run/ascn/gunicorn.sock")
    command[0], command[bind] = str(Path(sys.executable).with_name("gunicorn")), f"unix:{sock}"
    log = tmp_path / "gunicorn.log"
    prefix = tmp_path / "nginx"
    http_port, https_port = free_port(), free_port()
    site = shipped_site(upstream=f"unix:{sock}", http_port=http_port, https_port=https_port,
                        certificates=certificate.parent, logs=prefix / "logs")
    with open(log, "wb") as stderr:
        gunicorn = subprocess.Popen(command, cwd=REPO, stdout=stderr, stderr=stderr,
                                    env=production_environment(app, XDG_RUNTIME_DIR=str(tmp_path)))
    try:
        wait_until(sock.exists, "gunicorn's socket", 30, gunicorn, log)
        with Nginx(prefix, site).running([http_port, https_port]):
            client = Client(f"https://127.0.0.1:{https_port}", CLIENT_B, certificate)
            ready = wait_until(lambda: (r := client.request("GET", "/readyz")).status == 200 and r,
                               "a ready worker", 90, gunicorn, log)  # a loaded CI machine is slow
            page = client.request("GET", "/login")
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)
    assert json.loads(ready.body)["database"] == "ok"
    assert {"secure", "httponly"} <= page.cookie_attributes("session")
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    entry = next(line for line in lines if line.get("request_id") == page.headers["X-Request-ID"])
    assert {key: entry[key] for key in ("method", "path", "status", "remote_addr")} == {
        "method": "GET", "path": "/login", "status": 200, "remote_addr": CLIENT_B}
    assert entry["duration_ms"] >= 0 and entry["logger"] == "smartcities.access"
