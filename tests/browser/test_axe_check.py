"""The accessibility check itself: it must find a known serious problem, or every scan proves nothing."""

import pytest

from tests.browser import describe_violations, serious_violations

pytestmark = pytest.mark.browser


def test_axe_reports_serious_violations_with_rule_and_element(page):
    page.set_content(
        '<html lang="en"><head><title>Broken form</title></head>'
        '<body><main><h1>Broken form</h1><form><input id="unlabelled" type="text"></form></main></body></html>'
    )
    violations = serious_violations(page)
    assert [violation["id"] for violation in violations] == ["label"]
    report = describe_violations("broken form", violations)
    assert "label: Form elements must have labels" in report
    assert "#unlabelled" in report
