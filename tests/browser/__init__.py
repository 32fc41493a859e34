"""Browser tests (Playwright + Debian Chromium + axe-core); shared helpers for them."""

from axe_playwright_python.sync_playwright import Axe

BLOCKING_IMPACTS = {"serious", "critical"}
# Issue #16 asks for pages free of moderate findings too (e.g. landmark-unique).
REPORTED_IMPACTS = {"moderate", "serious", "critical"}
_AXE = Axe()


def serious_violations(page):
    """axe-core violations with impact serious or critical on the page as it is now."""
    results = _AXE.run(page)
    return [violation for violation in results.response["violations"] if violation["impact"] in BLOCKING_IMPACTS]


def moderate_violations(page):
    """axe-core violations with impact moderate, serious or critical on the page as it is now."""
    results = _AXE.run(page)
    return [violation for violation in results.response["violations"] if violation["impact"] in REPORTED_IMPACTS]


def describe_violations(where, violations):
    """One line per rule (impact, id, help, link) and one per offending element (selector, HTML)."""
    lines = [f"{where}:"]
    for violation in violations:
        lines.append(f"  [{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"      {target}: {node['html'][:200]}")
    return "\n".join(lines)
