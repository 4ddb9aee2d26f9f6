"""The console watch that every flow relies on does see a Content-Security-Policy violation."""

import pytest

pytestmark = pytest.mark.browser

INJECT_INLINE_STYLE = """() => {
  const style = document.createElement("style");
  style.textContent = "body { color: red; }";
  document.head.appendChild(style);
}"""


def test_console_errors_catch_inline_style_refused_by_csp(page, console_errors):
    page.goto("/accounts/login/")

    with page.expect_console_message(lambda message: message.type == "error"):
        page.evaluate(INJECT_INLINE_STYLE)

    assert len(console_errors) == 1
    assert "Content Security Policy" in console_errors[0]
