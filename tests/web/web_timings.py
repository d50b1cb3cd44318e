"""How long a person waits in the page, measured inside the page (performance.now() from the
click to the frame that shows the result), for tests/web/test_web_latency.py and
bench/web_latency.py.
"""

from __future__ import annotations

from playwright.async_api import Page

# Runs in the page: do `action`, then resolve at the first frame whose #log shows `text`.
UNTIL_SHOWN = """async ({action, text, title}) => {
  const t0 = performance.now();
  if (action === "send") {
    document.getElementById("message").value = text;
    document.getElementById("composer").requestSubmit();
  } else {
    const button = [...document.querySelectorAll("#thread-list button.thread")]
      .find((b) => b.innerText.includes(title));
    button.click();
  }
  await new Promise((resolve) => {
    const check = () => document.getElementById("log").innerText.includes(text)
      ? resolve() : requestAnimationFrame(check);
    check();
  });
  return performance.now() - t0;
}"""
STATUS_SHOWN = """async ({text}) => {
  const t0 = performance.now();
  document.getElementById("message").value = text;
  document.getElementById("composer").requestSubmit();
  await new Promise((resolve) => {
    const check = () => /Starting…|Working…/.test(document.getElementById("log").innerText)
      ? resolve() : requestAnimationFrame(check);
    check();
  });
  return performance.now() - t0;
}"""
SWITCHED = """async ({model}) => {
  const t0 = performance.now();
  const picker = document.getElementById("model");
  picker.value = model;
  picker.dispatchEvent(new Event("change"));
  await new Promise((resolve) => {
    const check = () => document.getElementById("status").innerText.includes(`Model: ${model}`)
      ? resolve() : requestAnimationFrame(check);
    check();
  });
  return performance.now() - t0;
}"""


async def send_until_shown(page: Page, text: str) -> float:
    """ms from Send to the sent message in the log."""
    return float(await page.evaluate(UNTIL_SHOWN, {"action": "send", "text": text, "title": ""}))


async def send_until_status(page: Page, text: str) -> float:
    """ms from Send to a visible "Starting…" / "Working…" state."""
    return float(await page.evaluate(STATUS_SHOWN, {"text": text}))


async def open_until_shown(page: Page, title: str, text: str) -> float:
    """ms from a click on a thread in the list to `text` of its history in the log."""
    return float(await page.evaluate(UNTIL_SHOWN, {"action": "open", "text": text, "title": title}))


async def switch_until_done(page: Page, model: str) -> float:
    """ms from picking `model` in the model picker to "Model: `model` ..." in the status line
    (the server checked the model: its key, then a one-token probe)."""
    return float(await page.evaluate(SWITCHED, {"model": model}))
