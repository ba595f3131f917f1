"""Browser-test checks any page can call: axe-core accessibility, and console errors or CSP violations.

    from axe import assert_accessible, watch_page
    problems = watch_page(page, live_server)   # before page.goto
    page.goto("/projects/1"); assert_accessible(page); assert problems == []
"""
from __future__ import annotations

from pathlib import Path

AXE_JS = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")

# Collects CSP violations in the page itself; init scripts run before any of the page's own scripts.
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error("CSP violation: " + event.violatedDirective + " " + event.blockedURI);
});
"""


def axe_violations(page, impacts: tuple[str, ...] = BLOCKING) -> list[dict]:
    """Run the pinned axe-core on the page (WCAG 2.1 A/AA and best practices); violations of these impacts."""
    if not AXE_JS.exists():
        raise RuntimeError(f"{AXE_JS} is missing: run `make browser` (npm ci in tests/browser)")
    # page.evaluate runs through the DevTools protocol, which the page's CSP does not restrict.
    if not page.evaluate("() => Boolean(window.axe)"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => await axe.run(document, {
             runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
             resultTypes: ["violations"]})"""
    )
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [", ".join(node["target"]) for node in v["nodes"]][:5]}
        for v in result["violations"] if v["impact"] in impacts
    ]


def assert_accessible(page, impacts: tuple[str, ...] = BLOCKING) -> None:
    """Fail with a readable list when axe-core finds serious or critical violations on the page."""
    violations = axe_violations(page, impacts)
    assert not violations, f"axe-core on {page.url}:\n" + "\n".join(
        f"  {v['impact']}: {v['id']} ({v['help']}) at {v['nodes']}" for v in violations)


def watch_page(page, base_url: str) -> list[str]:
    """A live list of the page's uncaught errors, console errors and CSP violations, from now on.

    Failed requests to other hosts are left out: the test fixtures abort them on purpose (CDN, tiles).
    """
    problems: list[str] = []

    def on_console(message) -> None:
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        if message.text.startswith("Failed to load resource") and not url.startswith(base_url):
            return
        problems.append(f"console: {message.text} ({url})")

    page.add_init_script(_CSP_LISTENER)
    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    return problems
