"""Drives the web console in headless Chromium (selenium, chromedriver) for tests/console.rs.

    drive.py SCENARIO --url URL --shots DIR [--chromium PATH] [--chromedriver PATH] [--arg K=V ...]

Each scenario acts as a person would (clicks, typing, waiting for what they would wait for),
saves a screenshot of the page it ends on under --shots, and prints one JSON object of what it
observed on its last line. A failed expectation exits non-zero with the reason and a screenshot.
"""

import argparse
import json
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

WAIT = 30


class Failed(Exception):
    pass


def browser(args):
    options = Options()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1400,1100", "--no-first-run", "--disable-extensions",
                 # Loopback only: no phoning home, no component updates.
                 "--disable-background-networking", "--disable-component-update"):
        options.add_argument(flag)
    options.binary_location = args.chromium
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(args.chromedriver), options=options)


def wait_for(driver, condition, what, timeout=WAIT):
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.05).until(condition)
    except TimeoutException as error:
        raise Failed(f"timed out waiting for {what}") from error


def text_of(driver, css):
    # Read in the page, in one step: live pages replace what they redraw, so a handle found
    # first may be gone by the time it is read.
    return driver.execute_script("return document.querySelector(arguments[0])?.innerText ?? ''", css)


def attributes(driver, css, name):
    return driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map((e) => e.getAttribute(arguments[1]))", css, name)


def has_text(css, text):
    return lambda driver: text in text_of(driver, css)


def sign_in(driver, url, token):
    driver.get(f"{url}/console/")
    if token:
        field = wait_for(driver, ready.visibility_of_element_located((By.ID, "token")), "the sign-in form")
        field.send_keys(token)
        driver.find_element(By.CSS_SELECTOR, "form.signin button[type=submit]").click()
    wait_for(driver, has_text("#who", "tenant"), "the signed-in caller in the header")


def list_shows_it(driver, url, arg):
    sign_in(driver, url, arg.get("token"))
    wanted = arg["id"]
    wait_for(driver, ready.presence_of_element_located((By.CSS_SELECTOR, f'#orchestrations tr[data-id="{wanted}"]')),
             "the submitted orchestration in the list")
    row = text_of(driver, f'#orchestrations tr[data-id="{wanted}"]')
    driver.save_screenshot(f"{arg['shots']}/orchestrations.png")
    # Lookup by request id opens its page.
    driver.find_element(By.ID, "lookup").send_keys(arg["request_id"])
    driver.find_element(By.CSS_SELECTOR, "#lookup").submit()
    wait_for(driver, lambda d: wanted in d.current_url, "the lookup to open the orchestration")
    opened = driver.current_url
    # Without authentication, the header offers the tenant to look at.
    driver.get(f"{url}/console/#/orchestrations")
    switch = wait_for(driver, ready.visibility_of_element_located((By.ID, "switch-tenant")), "the tenant switch")
    switch.clear()
    switch.send_keys(arg["other_tenant"])
    switch.submit()
    wait_for(driver, ready.presence_of_element_located(
        (By.CSS_SELECTOR, f'#orchestrations tr[data-id="{arg["other_id"]}"]')), "the other tenant's orchestration")
    others = attributes(driver, "#orchestrations tbody tr", "data-id")
    return {"row": row, "opened": opened, "other_tenant_rows": others, "who": text_of(driver, "#who")}


def follows_live(driver, url, arg):
    sign_in(driver, url, arg.get("token"))
    driver.get(f"{url}/console/#/orchestrations/{arg['id']}")
    wait_for(driver, ready.presence_of_element_located((By.CSS_SELECTOR, "#dag g.node")), "the graph")
    first_state = text_of(driver, "#state")
    tasks = attributes(driver, "#dag g.node", "data-task")
    table = attributes(driver, "#tasks tbody tr", "data-id")
    states_seen = []
    deadline = time.time() + WAIT
    while time.time() < deadline:
        state = text_of(driver, "#state")
        if not states_seen or states_seen[-1] != state:
            states_seen.append(state)
        if state == "APPROVED":
            break
        time.sleep(0.05)
    else:
        raise Failed(f"never reached APPROVED; states seen {states_seen}")
    time.sleep(0.3)
    driver.save_screenshot(f"{arg['shots']}/orchestration.png")
    flaky = driver.execute_script(
        "return document.querySelector('#tasks tr[data-id=\"flaky\"] ol.attempts')?.textContent ?? ''")
    tokens = text_of(driver, '#tasks tr[data-id="summary"] td:nth-child(6)')
    return {"first_state": first_state, "states_seen": states_seen, "dag_tasks": tasks,
            "table_tasks": table, "output": text_of(driver, "#output"), "flaky_attempts": flaky,
            "summary_tokens": tokens}


def approves_escalation(driver, url, arg):
    sign_in(driver, url, arg.get("token"))
    driver.get(f"{url}/console/#/escalations")
    link = wait_for(driver, ready.element_to_be_clickable((By.CSS_SELECTOR, f'#escalations tr[data-id="{arg["id"]}"] a')),
                    "the escalation in the queue")
    link.click()
    wait_for(driver, ready.visibility_of_element_located((By.ID, "approve")), "the decision form")
    under_review = text_of(driver, "#escalated-output")
    driver.find_element(By.ID, "comment").send_keys(arg["comment"])
    driver.save_screenshot(f"{arg['shots']}/escalation.png")
    driver.find_element(By.ID, "approve").click()
    wait_for(driver, has_text("[role=status]", "APPROVED"), "the decision to be recorded")
    return {"under_review": under_review}


def shows_conflict(driver, url, arg):
    sign_in(driver, url, arg.get("token"))
    driver.get(f"{url}/console/#/criteria/{arg['id']}")
    wait_for(driver, has_text("#criteria-version", "version"), "the criteria to load")
    opened_version = text_of(driver, "#criteria-version")
    # Someone else saves first (the test does, through the API), then this reader saves.
    print(json.dumps({"opened": opened_version}), flush=True)
    sys.stdin.readline()
    editor = driver.find_element(By.ID, "criteria-json")
    edited = json.loads(editor.get_attribute("value"))
    edited["display_name"] = arg["display_name"]
    driver.execute_script("arguments[0].value = arguments[1]", editor, json.dumps(edited, indent=2))
    driver.find_element(By.ID, "save").click()
    conflict = wait_for(driver, ready.visibility_of_element_located((By.ID, "conflict")), "the conflict")
    driver.save_screenshot(f"{arg['shots']}/criteria-conflict.png")
    return {"opened": opened_version, "conflict": conflict.text,
            "kept": arg["display_name"] in editor.get_attribute("value")}


def criteria_lifecycle(driver, url, arg):
    """Criteria created from the editor's template, then deleted after a confirmation."""
    sign_in(driver, url, arg.get("token"))
    driver.get(f"{url}/console/#/criteria")
    wait_for(driver, ready.element_to_be_clickable((By.ID, "new-criteria")), "the new-criteria link").click()
    editor = wait_for(driver, ready.visibility_of_element_located((By.ID, "criteria-json")), "the editor")
    template = json.loads(editor.get_attribute("value"))
    template["id"] = arg["id"]
    template["display_name"] = "Made in the browser"
    driver.execute_script("arguments[0].value = arguments[1]", editor, json.dumps(template))
    driver.find_element(By.ID, "save").click()
    wait_for(driver, lambda d: d.current_url.endswith(f"#/criteria/{arg['id']}"), "the created criteria's page")
    wait_for(driver, has_text("#criteria-version", "version 1"), "version 1")
    created = driver.execute_script("return document.getElementById('criteria-json').value")
    print(json.dumps({"created": json.loads(created)}), flush=True)
    sys.stdin.readline()
    wait_for(driver, ready.element_to_be_clickable((By.ID, "delete")), "the delete button").click()
    wait_for(driver, ready.element_to_be_clickable((By.ID, "confirm-ok")), "the confirmation").click()
    wait_for(driver, lambda d: d.current_url.endswith("#/criteria"), "the list after deleting")
    wait_for(driver, ready.presence_of_element_located((By.CSS_SELECTOR, "#criteria tbody tr")), "the list")
    return {"listed_after": attributes(driver, "#criteria tbody tr", "data-id")}


def click(driver, element_id, what):
    """Clicks the element once it is clickable. A page that re-renders while events stream in
    may replace the element between finding and clicking it: then it is found again."""

    def clicked(d):
        try:
            element = ready.element_to_be_clickable((By.ID, element_id))(d)
            if not element:
                return False
            element.click()
            return True
        except StaleElementReferenceException:
            return False

    wait_for(driver, clicked, what)


def dry_run(driver, url, arg):
    sign_in(driver, url, arg.get("token"))
    driver.get(f"{url}/console/#/dry-run")
    wait_for(driver, ready.visibility_of_element_located((By.ID, "dry-text")), "the dry-run form")
    driver.find_element(By.ID, "dry-text").send_keys(arg["text"])
    driver.find_element(By.ID, "evaluate").click()
    wait_for(driver, lambda d: d.find_element(By.ID, "dry-redacted").text.strip(), "the redacted text")
    wait_for(driver, has_text("#dry-verdict", "Verdict"), "the decision")
    driver.save_screenshot(f"{arg['shots']}/dry-run.png")
    return {
        "redacted": text_of(driver, "#dry-redacted"),
        "decision": text_of(driver, "#dry-verdict"),
        "findings": text_of(driver, "#dry-findings"),
    }


def cancels(driver, url, arg):
    sign_in(driver, url, arg.get("token"))
    driver.get(f"{url}/console/#/orchestrations/{arg['id']}")
    click(driver, "cancel", "the cancel button")
    wait_for(driver, ready.element_to_be_clickable((By.ID, "confirm-ok")), "the confirmation")
    question = text_of(driver, "#confirm-title")
    click(driver, "confirm-ok", "the confirmation's OK")
    wait_for(driver, has_text("#state", "CANCELLED"), "the orchestration to end CANCELLED")
    driver.save_screenshot(f"{arg['shots']}/cancelled.png")
    return {"question": question, "state": text_of(driver, "#state")}


def viewer(driver, url, arg):
    """What a principal with only the viewer role is offered."""
    sign_in(driver, url, arg.get("token"))
    offered = {}
    driver.get(f"{url}/console/#/orchestrations/{arg['id']}")
    wait_for(driver, ready.presence_of_element_located((By.CSS_SELECTOR, "#dag g.node")), "the graph")
    offered["cancel"] = bool(driver.find_elements(By.ID, "cancel"))
    driver.get(f"{url}/console/#/criteria")
    wait_for(driver, ready.presence_of_element_located((By.CSS_SELECTOR, "#criteria tbody tr")), "the criteria list")
    offered["new_criteria"] = bool(driver.find_elements(By.ID, "new-criteria"))
    driver.get(f"{url}/console/#/criteria/{arg['criteria']}")
    wait_for(driver, has_text("#criteria-version", "version"), "the criteria to load")
    offered["save"] = bool(driver.find_elements(By.ID, "save"))
    offered["editable"] = driver.execute_script("return !document.getElementById('criteria-json').readOnly")
    driver.get(f"{url}/console/#/escalations/{arg['id']}")
    wait_for(driver, has_text("#escalation", "Orchestration"), "the orchestration")
    offered["approve"] = bool(driver.find_elements(By.ID, "approve"))
    driver.save_screenshot(f"{arg['shots']}/viewer.png")
    return {"offered": offered, "who": text_of(driver, "#who")}


def audit(driver, axe, page):
    """The WCAG 2 A and AA violations axe-core finds on the page as it stands."""
    if not driver.execute_script("return typeof axe !== 'undefined'"):
        driver.execute_script(axe)
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
        ".then((r) => done(r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' '))}))), (e) => done([{id: 'axe-error', help: String(e)}]));")
    return [{"page": page, **violation} for violation in result]


def accessible(driver, url, arg):
    """Every page audited by axe-core, and the main path walked with the keyboard alone."""
    with open(arg["axe"], encoding="utf-8") as source:
        axe = source.read()
    violations = []
    driver.get(f"{url}/console/")
    if arg.get("token"):
        wait_for(driver, ready.visibility_of_element_located((By.ID, "token")), "the sign-in form")
        violations += audit(driver, axe, "sign in")
    sign_in(driver, url, arg.get("token"))
    pages = [
        ("orchestrations", "#/orchestrations", "#orchestrations tbody tr"),
        ("orchestration", f"#/orchestrations/{arg['id']}", "#dag g.node"),
        ("escalations", f"#/escalations/{arg['id']}", "#escalation h2"),
        ("criteria", "#/criteria", "#criteria tbody tr"),
        ("criteria editor", "#/criteria/new", "#criteria-json"),
        ("dry run", "#/dry-run", "#dry-text"),
    ]
    for name, path, marker in pages:
        driver.get(f"{url}/console/{path}")
        wait_for(driver, ready.presence_of_element_located((By.CSS_SELECTOR, marker)), f"the {name} page")
        time.sleep(0.3)
        violations += audit(driver, axe, name)
    # The keyboard alone: Tab from the top reaches the navigation and, in order, the page's
    # controls; Enter on a focused link follows it.
    driver.get(f"{url}/console/#/orchestrations")
    wait_for(driver, ready.presence_of_element_located((By.CSS_SELECTOR, f'#orchestrations tr[data-id="{arg["id"]}"]')),
             "the list")
    body = driver.find_element(By.TAG_NAME, "body")
    body.click()
    reached = []
    for _ in range(40):
        driver.switch_to.active_element.send_keys("\ue004")  # Tab
        focused = driver.switch_to.active_element
        reached.append(focused.get_attribute("id") or focused.text[:40])
        if focused.get_attribute("href") and arg["id"] in (focused.get_attribute("href") or ""):
            focused.send_keys("\ue007")  # Enter
            break
    wait_for(driver, lambda d: arg["id"] in d.current_url, "Enter on the focused row link to open it")
    return {"violations": violations, "tab_order": reached}


# Watches the page's main thread while events stream in: a 10 ms timer's lateness, and the
# long tasks (over 50 ms) the browser reports.
RESPONSIVENESS_PROBE = """
window.__probe = { lateness: [], longTasks: [] };
let last = performance.now();
window.__probeTimer = setInterval(() => {
  const now = performance.now();
  window.__probe.lateness.push(now - last - 10);
  last = now;
}, 10);
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    window.__probe.longTasks.push(entry.duration);
    window.__probe.longTaskStarts.push(entry.startTime);
  }
}).observe({ type: "longtask", buffered: false });
window.__probe.longTaskStarts = [];
window.__probe.frames = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.duration < 90) continue;
    window.__probe.frames.push({ duration: Math.round(entry.duration), blocking: Math.round(entry.blockingDuration),
      render: Math.round(entry.duration - (entry.renderStart ? entry.renderStart - entry.startTime : entry.duration)),
      style: Math.round(entry.styleAndLayoutStart ? entry.startTime + entry.duration - entry.styleAndLayoutStart : 0),
      scripts: entry.scripts.map((s) => `${s.invoker} ${s.sourceFunctionName} ${Math.round(s.duration)}ms`) });
  }
}).observe({ type: "long-animation-frame", buffered: false });
new MutationObserver(() => {
  if (!window.__probe.finishedAt && document.querySelector("#state")?.innerText.includes("APPROVED")) {
    window.__probe.finishedAt = performance.now();
  }
}).observe(document.getElementById("main"), { subtree: true, childList: true, characterData: true });
"""


def big_page(driver, url, arg):
    sign_in(driver, url, arg.get("token"))
    expected = int(arg["tasks"])
    driver.get(f"{url}/console/#/orchestrations")
    started = driver.execute_script("return performance.now()")
    driver.execute_script(f"location.hash = '#/orchestrations/{arg['id']}'")
    wait_for(driver, lambda d: d.execute_script(
        f"return document.querySelectorAll('#dag g.node').length === {expected} && "
        f"document.querySelectorAll('#tasks tbody tr').length === {expected}"), "every task on the page")
    # Rendered means painted: two animation frames later, layout and paint are done.
    driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "requestAnimationFrame(() => requestAnimationFrame(() => done()));")
    rendered_ms = driver.execute_script("return performance.now()") - started
    events_at_render = int(text_of(driver, "#events-count") or 0)
    # From here on, the page only follows the stream.
    driver.execute_script(RESPONSIVENESS_PROBE)
    wait_for(driver, lambda d: int(text_of(d, "#events-count") or 0) >= int(arg["min_events"]) or
             "APPROVED" in text_of(d, "#state"), "the events to stream in", timeout=120)
    wait_for(driver, has_text("#state", "APPROVED"), "the run to finish", timeout=120)
    time.sleep(0.5)
    probe = driver.execute_script("clearInterval(window.__probeTimer); return window.__probe")
    lateness = sorted(probe["lateness"]) or [0]
    events = int(text_of(driver, "#events-count"))
    driver.save_screenshot(f"{arg['shots']}/orchestration-256.png")
    return {"rendered_ms": rendered_ms, "events": events, "events_at_render": events_at_render,
            "max_timer_lateness_ms": lateness[-1],
            "p99_timer_lateness_ms": lateness[int(len(lateness) * 0.99) - 1] if len(lateness) > 1 else lateness[0],
            "long_frames": probe.get("frames", []),
            "long_tasks": len(probe["longTasks"]), "longest_task_ms": max(probe["longTasks"], default=0),
            "long_tasks_before_the_end_ms": [round(d) for d, start in zip(probe["longTasks"], probe["longTaskStarts"])
                                             if start + d < (probe.get("finishedAt") or 1e12) - 1]}


SCENARIOS = {
    "list": list_shows_it,
    "live": follows_live,
    "escalation": approves_escalation,
    "conflict": shows_conflict,
    "criteria-lifecycle": criteria_lifecycle,
    "dry-run": dry_run,
    "cancel": cancels,
    "big-page": big_page,
    "viewer": viewer,
    "accessible": accessible,
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--url", required=True)
    parser.add_argument("--shots", required=True)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    parser.add_argument("--arg", action="append", default=[])
    args = parser.parse_args()
    arg = dict(item.split("=", 1) for item in args.arg)
    arg["shots"] = args.shots
    driver = browser(args)
    try:
        observed = SCENARIOS[args.scenario](driver, args.url, arg)
        errors = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        observed["console_errors"] = errors
        print(json.dumps(observed), flush=True)
    except Failed as failure:
        driver.save_screenshot(f"{args.shots}/failed-{args.scenario}.png")
        logs = [entry["message"] for entry in driver.get_log("browser")]
        print(f"{args.scenario}: {failure}\npage: {driver.find_element(By.ID, 'main').text[:2000]}\nbrowser log: {logs}",
              file=sys.stderr)
        sys.exit(1)
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
