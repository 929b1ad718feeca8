// The console's pages. Each takes the <main> element, fills it, and returns a function that
// stops what it started (streams, timers) when the reader leaves.

import { GrpcError } from "./grpc.js";
import {
  badge, confirmAction, errorBanner, h, put, rpc, s, seconds, session, shortState, when,
} from "./app.js";

const ORCHESTRATION_STATES = ["PENDING", "RUNNING", "REVIEWING", "AWAITING_HUMAN", "APPROVED",
  "REJECTED", "FAILED", "CANCELLED"];
const TERMINAL = new Set(["APPROVED", "REJECTED", "FAILED", "CANCELLED"]);
const POLL_MS = 2000;
/** Events applied to a page per animation frame. */
const EVENTS_PER_FRAME = 150;

const api = (path, request, options) => session.client.call(path, request, options);

/** A place for one message at a time (an error, a confirmation), polite to screen readers. */
function notice() {
  const box = h("div", { "aria-live": "polite" });
  return {
    element: box,
    show(...children) { box.replaceChildren(...children); },
    error(error, context) { box.replaceChildren(errorBanner(error, context)); },
    info(text) { box.replaceChildren(h("div", { class: "banner", role: "status" }, text)); },
    clear() { box.replaceChildren(); },
  };
}

// ---------- sign in ----------

export function signIn(main, start) {
  const token = h("input", { id: "token", type: "password", autocomplete: "off", required: true, size: 48 });
  const tenant = h("input", { id: "tenant", type: "text", autocomplete: "off", size: 24 });
  const note = notice();
  const form = h("form", {
    class: "signin",
    onsubmit: async (event) => {
      event.preventDefault();
      session.remember({ token: token.value.trim(), tenant: tenant.value.trim() });
      await start();
      if (!session.caller) {
        session.forget();
        note.show(h("div", { class: "banner error", role: "alert" }, "These credentials were refused."));
      }
    },
  },
  h("h1", {}, "Sign in"),
  h("p", { class: "muted" }, "Paste the API key or bearer token you call the API with. It stays in this tab's session storage."),
  h("div", { class: "row" },
    h("label", { for: "token" }, "API key or bearer token", token),
    h("label", { for: "tenant" }, "Tenant (admins acting for another tenant)", tenant),
    h("button", { type: "submit", class: "primary" }, "Sign in")),
  note.element);
  main.append(form);
  token.focus();
}

// ---------- the list ----------

function orchestrationRow(result) {
  const state = shortState(result.state);
  return h("tr", { "data-id": result.orchestration_id },
    h("td", {}, h("a", { href: `#/orchestrations/${encodeURIComponent(result.orchestration_id)}`, class: "mono" }, result.orchestration_id)),
    h("td", {}, badge(result.state)),
    h("td", {}, when(result.create_time)),
    h("td", { class: "num" }, TERMINAL.has(state) ? seconds(result.total_duration) : ""),
    h("td", { class: "num" }, result.tasks.length),
    h("td", { class: "num" }, result.runs),
    h("td", { class: "mono" }, result.review_criteria_id ? `${result.review_criteria_id} v${result.review_criteria_version}` : ""),
    h("td", { class: "mono" }, result.request_id));
}

/** Replaces the rows of `body` only where they changed, so that focus and scroll stay put. */
function updateRows(body, items, key, render) {
  const rows = [...body.rows];
  const sameOrder = rows.length === items.length && rows.every((row, i) => row.dataset.id === key(items[i]));
  if (!sameOrder) {
    body.replaceChildren(...items.map(render));
    return;
  }
  items.forEach((item, i) => {
    const fresh = render(item);
    if (fresh.textContent !== rows[i].textContent) rows[i].replaceWith(fresh);
  });
}

export function orchestrations(main) {
  const page = { tokens: [""], index: 0, filter: "" };
  const note = notice();
  const filter = h("select", { id: "state-filter" },
    h("option", { value: "" }, "All states"),
    ORCHESTRATION_STATES.map((state) => h("option", { value: `ORCHESTRATION_STATE_${state}` }, state.replace("_", " "))));
  const size = h("select", { id: "page-size" }, [10, 25, 50, 100].map((n) => h("option", { value: n, selected: n === 25 }, n)));
  const lookup = h("input", { id: "lookup", type: "search", size: 40, placeholder: "orchestration id or request id" });
  const body = h("tbody");
  const previous = h("button", { type: "button", disabled: true }, "Newer");
  const next = h("button", { type: "button", disabled: true }, "Older");
  const updated = h("span", { class: "muted", "aria-live": "off" });

  async function load() {
    try {
      const answer = await api(rpc.list, {
        page_size: Number(size.value),
        page_token: page.tokens[page.index],
        states: page.filter ? [page.filter] : [],
      });
      page.tokens[page.index + 1] = answer.next_page_token;
      updateRows(body, answer.orchestrations, (r) => r.orchestration_id, orchestrationRow);
      if (answer.orchestrations.length === 0) {
        body.replaceChildren(h("tr", { "data-id": "" }, h("td", { colspan: 8, class: "muted" }, "No orchestrations.")));
      }
      previous.disabled = page.index === 0;
      next.disabled = !answer.next_page_token;
      updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
      note.clear();
    } catch (error) {
      note.error(error, "Cannot list orchestrations");
    }
  }

  const restart = () => { page.tokens = [""]; page.index = 0; page.filter = filter.value; load(); };
  filter.addEventListener("change", restart);
  size.addEventListener("change", restart);
  previous.addEventListener("click", () => { page.index = Math.max(0, page.index - 1); load(); });
  next.addEventListener("click", () => { page.index += 1; load(); });

  const find = h("form", {
    onsubmit: async (event) => {
      event.preventDefault();
      const wanted = lookup.value.trim();
      if (!wanted) return;
      try {
        const byRequest = await api(rpc.list, { request_id: wanted });
        const found = byRequest.orchestrations[0]?.orchestration_id
          ?? (await api(rpc.get, { orchestration_id: wanted }).catch(() => null))?.orchestration?.orchestration_id;
        if (found) location.hash = `#/orchestrations/${encodeURIComponent(found)}`;
        else note.info(`No orchestration has the id or request id “${wanted}”.`);
      } catch (error) {
        note.error(error, "Lookup failed");
      }
    },
  }, h("label", { for: "lookup" }, "Find", lookup), h("button", { type: "submit" }, "Go"));

  main.append(
    h("h1", {}, "Orchestrations"),
    h("div", { class: "row" },
      h("label", { for: "state-filter" }, "State", filter),
      h("label", { for: "page-size" }, "Per page", size),
      find, updated),
    note.element,
    h("table", { id: "orchestrations" },
      h("caption", { class: "muted", style: null }, "Newest first; refreshed every 2 s."),
      h("thead", {}, h("tr", {},
        h("th", {}, "Id"), h("th", {}, "State"), h("th", {}, "Created"), h("th", { class: "num" }, "Took"),
        h("th", { class: "num" }, "Tasks"), h("th", { class: "num" }, "Runs"), h("th", {}, "Criteria"), h("th", {}, "Request id"))),
      body),
    h("div", { class: "row" }, previous, next));
  load();
  const timer = setInterval(load, POLL_MS);
  return () => clearInterval(timer);
}

// ---------- one orchestration ----------

/** What the events say of one run: the plan, each task's attempts and waits, the review. */
class Run {
  constructor() {
    this.plan = [];
    this.tasks = new Map();
    this.run = 0;
    this.start = null;
    this.end = null;
    this.state = "PENDING";
    this.decision = null;
    this.planChanged = true;
  }

  apply(event) {
    const time = event.time;
    if (event.accepted) {
      const accepted = event.accepted;
      this.run = accepted.run;
      this.plan = accepted.plan;
      this.waves = accepted.wave_count;
      this.tasks = new Map(accepted.plan.map((task) => [task.task_id,
        { ...task, state: "PENDING", attempts: [], waits: [], error: "" }]));
      this.start = time;
      this.state = "RUNNING";
      this.planChanged = true;
    } else if (event.task && event.task.run === this.run) {
      this.applyTask(event.task, time);
    } else if (event.review) {
      this.state = "REVIEWING";
      if (event.review.decision) this.decision = event.review.decision;
    } else if (event.state_changed) {
      this.state = shortState(event.state_changed.state);
    } else if (event.completed) {
      const result = event.completed.result;
      this.state = shortState(result.state);
      this.end = time;
      if (result.review) this.decision = result.review;
    }
  }

  applyTask(update, time) {
    const task = this.tasks.get(update.task_id);
    if (!task) return;
    const state = shortState(update.state);
    task.state = state;
    const open = task.attempts.at(-1);
    const close = (outcome) => {
      if (open && !open.end) { open.end = time; open.outcome = outcome; }
    };
    if (state === "RUNNING") {
      const wait = task.waits.at(-1);
      if (wait && wait.end > time) wait.end = time;
      task.attempts.push({ attempt: update.attempt, start: time, end: null, outcome: "running" });
    } else if (state === "RETRYING") {
      close("failed");
      if (open) open.error = update.error;
      const backoff = (update.retry_in ?? 0) * 1000;
      task.waits.push({ start: time, end: new Date(time.getTime() + backoff) });
    } else if (["SUCCEEDED", "FAILED", "TIMED_OUT", "CANCELLED"].includes(state)) {
      close(state === "SUCCEEDED" ? "succeeded" : "failed");
      if (open && update.error) open.error = update.error;
      task.error = update.error;
      task.elapsed = update.elapsed;
    } else if (state === "SKIPPED") {
      task.error = update.error;
    }
  }

  /** The chain of tasks that decided when the run ended: from the last to finish, back
   * through the dependency that finished last before it started. */
  criticalPath() {
    const finished = (task) => task.attempts.at(-1)?.end ?? null;
    let last = null;
    for (const task of this.tasks.values()) {
      if (finished(task) && (!last || finished(task) > finished(last))) last = task;
    }
    const path = new Set();
    while (last) {
      path.add(last.task_id);
      let gate = null;
      for (const id of last.depends_on) {
        const dependency = this.tasks.get(id);
        if (dependency && finished(dependency) && (!gate || finished(dependency) > finished(gate))) gate = dependency;
      }
      last = gate;
    }
    return path;
  }
}

const NODE_W = 170, NODE_H = 34, COL_W = 210, ROW_H = 46;

/** The DAG: waves as columns, edges from depends_on; only colours change once drawn. */
function drawDag(run, critical) {
  const columns = new Map();
  const place = new Map();
  for (const task of run.plan) {
    const column = columns.get(task.wave) ?? [];
    column.push(task);
    columns.set(task.wave, column);
    place.set(task.task_id, { x: 10 + task.wave * COL_W, y: 10 + (column.length - 1) * ROW_H });
  }
  const height = 20 + Math.max(1, ...[...columns.values()].map((c) => c.length)) * ROW_H;
  const width = 20 + Math.max(1, columns.size) * COL_W;
  const svg = s("svg", { width, height, role: "img", "aria-label": `Task graph: ${run.plan.length} tasks in ${columns.size} waves` });
  for (const task of run.plan) {
    const to = place.get(task.task_id);
    for (const id of task.depends_on) {
      const from = place.get(id);
      if (!from) continue;
      const x1 = from.x + NODE_W, y1 = from.y + NODE_H / 2, x2 = to.x, y2 = to.y + NODE_H / 2;
      const mid = (x1 + x2) / 2;
      svg.append(s("path", {
        class: "edge", "data-from": id, "data-to": task.task_id,
        d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`,
      }));
    }
  }
  for (const task of run.plan) {
    const at = place.get(task.task_id);
    const label = task.task_id.length > 22 ? `${task.task_id.slice(0, 21)}…` : task.task_id;
    svg.append(s("g", { class: "node", "data-task": task.task_id, transform: `translate(${at.x},${at.y})` },
      s("title", {}, `${task.task_id} (${task.agent})`),
      s("rect", { width: NODE_W, height: NODE_H, rx: 6, class: "n-PENDING" }),
      s("text", { x: 10, y: 21 }, label)));
  }
  colourDag(svg, run, critical);
  return svg;
}

/** Colours the nodes of `only` the tasks named, or of all. */
function colourDag(svg, run, critical, only = null) {
  for (const node of svg.querySelectorAll("g.node")) {
    if (only && !only.has(node.dataset.task)) continue;
    const task = run.tasks.get(node.dataset.task);
    const shown = `n-${task?.state ?? "PENDING"}${critical.has(node.dataset.task) ? " bar-critical" : ""}`;
    if (node.dataset.shown === shown) continue;
    node.dataset.shown = shown;
    const rect = node.querySelector("rect");
    rect.setAttribute("class", shown);
    node.querySelector("title").textContent = `${node.dataset.task} (${task?.agent}): ${task?.state}`;
  }
}

const LABEL_W = 170, CHART_W = 820, BAR_H = 14, LANE_H = 22;

/** The timeline: one lane per task, a bar per attempt, backoff waits between them. While the
 * run goes on, its time axis grows in steps (doubling), so that an update redraws only the
 * lanes that changed or are still moving, not the whole chart. */
class Gantt {
  constructor(run) {
    this.run = run;
    this.span = 0;
    this.lanes = new Map();
    const height = 30 + run.plan.length * LANE_H;
    this.axis = s("g", {});
    this.svg = s("svg", { class: "gantt", width: LABEL_W + CHART_W + 60, height, role: "img", "aria-label": "Timeline of task attempts" }, this.axis);
    run.plan.forEach((planned, index) => {
      const y = 22 + index * LANE_H;
      const label = planned.task_id.length > 24 ? `${planned.task_id.slice(0, 23)}…` : planned.task_id;
      const lane = s("g", { "data-task": planned.task_id });
      this.svg.append(s("text", { x: 4, y: y + 11 }, label), lane);
      this.lanes.set(planned.task_id, { element: lane, y });
    });
    this.height = height;
  }

  /** Redraws the lanes of `changed` tasks and of those still running or waiting; all of them
   * when the axis changed (it grew, or the run ended and the axis fits it exactly). */
  update(changed, critical, now, settled) {
    const run = this.run;
    const start = run.start?.getTime() ?? now;
    const elapsed = Math.max(1, (run.end?.getTime() ?? now) - start);
    let span = this.span || 1000;
    if (settled) span = elapsed;
    else while (span < elapsed) span *= 2;
    const all = span !== this.span || changed === null;
    if (span !== this.span) this.drawAxis(span);
    this.span = span;
    const scale = (time) => LABEL_W + ((time - start) / span) * CHART_W;
    for (const [id, lane] of this.lanes) {
      const task = run.tasks.get(id);
      const moving = task.attempts.some((a) => !a.end) || task.waits.some((w) => w.end.getTime() > now);
      if (all || changed.has(id) || moving) this.drawLane(lane, id, task, critical.has(id), scale, now);
    }
  }

  drawAxis(span) {
    const lines = [];
    for (let i = 0; i <= 5; i += 1) {
      const x = LABEL_W + (CHART_W * i) / 5;
      lines.push(s("line", { class: "axis", x1: x, x2: x, y1: 16, y2: this.height }),
        s("text", { x: x + 2, y: 12 }, seconds((span * i) / 5000)));
    }
    this.axis.replaceChildren(...lines);
  }

  drawLane(lane, id, task, critical, scale, now) {
    const { y } = lane;
    const bars = [];
    for (const wait of task.waits) {
      const x = scale(wait.start.getTime());
      bars.push(s("rect", { class: "bar-wait", x, y: y + 3, height: BAR_H - 6, width: Math.max(1, scale(Math.min(wait.end.getTime(), now)) - x) },
        s("title", {}, `${id}: backoff ${seconds((wait.end - wait.start) / 1000)}`)));
    }
    for (const attempt of task.attempts) {
      const x = scale(attempt.start.getTime());
      const until = attempt.end?.getTime() ?? now;
      const outcome = attempt.outcome === "running" ? "attempt" : attempt.outcome;
      bars.push(s("rect", { class: `bar-${outcome}${critical ? " bar-critical" : ""}`, x, y, height: BAR_H, width: Math.max(2, scale(until) - x) },
        s("title", {}, `${id} attempt ${attempt.attempt}: ${attempt.outcome}, ${seconds((until - attempt.start) / 1000)}${attempt.error ? ` — ${attempt.error}` : ""}`)));
    }
    lane.element.replaceChildren(...bars);
  }
}

function legend() {
  const item = (cls, text) => h("span", {}, h("i", { class: cls }), text);
  return h("div", { class: "legend", "aria-hidden": "true" },
    item("s-RUNNING", "running"), item("s-SUCCEEDED", "succeeded"), item("s-FAILED", "failed"),
    item("bar-wait-key", "backoff wait"), item("s-PENDING", "pending / skipped"), h("span", {}, "bold outline: critical path"));
}

function issueList(issues) {
  if (!issues?.length) return h("p", { class: "muted" }, "No issues.");
  return h("ul", { class: "issues" }, issues.map((issue) => h("li", {},
    h("div", {}, h("span", { class: "sev" }, String(issue.severity).replace("SEVERITY_", "")),
      h("span", { class: "muted" }, String(issue.kind).replace("ISSUE_KIND_", "").toLowerCase().replaceAll("_", " ")),
      issue.task_id ? h("span", { class: "muted" }, ` · task ${issue.task_id}`) : null,
      issue.section ? h("span", { class: "muted" }, ` · section ${issue.section}`) : null,
      issue.rule_id ? h("span", { class: "muted" }, ` · rule ${issue.rule_id}`) : null),
    h("div", {}, issue.description),
    issue.remediation ? h("div", {}, h("strong", {}, "Remediation: "), issue.remediation) : null,
    issue.excerpt ? h("pre", {}, issue.excerpt) : null)));
}

function decisionView(decision) {
  if (!decision) return h("p", { class: "muted" }, "Not reviewed yet.");
  const counts = decision.redactions.map((r) => `${r.category}: ${r.count}`).join(", ");
  return h("div", { class: "decision" },
    h("dl", { class: "facts" },
      h("dt", {}, "Verdict"), h("dd", {}, badge(decision.verdict)),
      h("dt", {}, "Confidence"), h("dd", {}, decision.confidence.toFixed(2)),
      h("dt", {}, "Reviewer"), h("dd", { id: "reviewer" }, decision.reviewer),
      h("dt", {}, "Criteria"), h("dd", { class: "mono" }, `${decision.review_criteria_id} v${decision.review_criteria_version}`),
      /_UNSPECIFIED$/.test(decision.action) ? null : [h("dt", {}, "On rejection"), h("dd", {}, String(decision.action).replace("REJECT_ACTION_", ""))],
      h("dt", {}, "Redactions"), h("dd", { id: "redactions" }, counts || "none"),
      decision.feedback ? [h("dt", {}, "Feedback"), h("dd", {}, decision.feedback)] : null),
    h("h3", {}, `Issues (${decision.issues.length})`),
    issueList(decision.issues));
}

/** The attempt count; with retries or errors, each attempt's outcome, time and error. */
function attemptsCell(task) {
  const count = task.attempts.length;
  if (count <= 1 && !task.attempts.some((a) => a.error)) return String(count);
  return h("details", {}, h("summary", {}, String(count)),
    h("ol", { class: "attempts" }, task.attempts.map((attempt, i) => {
      const took = attempt.end ? seconds((attempt.end - attempt.start) / 1000) : "running";
      const wait = task.waits[i];
      return h("li", {}, `${attempt.outcome}, ${took}`,
        attempt.error ? h("div", { class: "muted" }, attempt.error) : null,
        wait ? h("div", { class: "muted" }, `then waited ${seconds((wait.end - wait.start) / 1000)}`) : null);
    })));
}

/** What a task's row shows, as one string: the row is rebuilt only when this changes. */
function taskFacts(task, final) {
  return [task.state, task.attempts.length, task.attempts.at(-1)?.end?.getTime(), final?.duration ?? task.elapsed, final?.usage?.prompt_tokens,
    final?.usage?.completion_tokens, task.error || final?.error, final?.output?.length, final?.output_truncated].join("|");
}

function taskRow(planned, task, final) {
  const usage = final?.usage;
  return h("tr", { "data-id": planned.task_id },
    h("td", { class: "mono" }, planned.task_id),
    h("td", {}, planned.agent),
    h("td", {}, badge(task.state)),
    h("td", { class: "num" }, attemptsCell(task)),
    h("td", { class: "num" }, seconds(final?.duration ?? task.elapsed)),
    h("td", { class: "num" }, usage ? `${usage.prompt_tokens} / ${usage.completion_tokens}` : ""),
    h("td", {}, task.error || final?.error || ""),
    h("td", {}, final?.output ? h("details", {}, h("summary", {}, `${final.output.length} chars${final.output_truncated ? " (cut)" : ""}`), h("pre", {}, final.output)) : ""));
}

function eventSummary(event) {
  if (event.accepted) return ["accepted", `run ${event.accepted.run}, ${event.accepted.plan.length} tasks`];
  if (event.task) return ["task", `${event.task.task_id} ${shortState(event.task.state)} (attempt ${event.task.attempt})${event.task.error ? `: ${event.task.error}` : ""}`];
  if (event.review) return ["review", shortState(event.review.state)];
  if (event.state_changed) return ["state", `${shortState(event.state_changed.state)} ${event.state_changed.reason}`];
  if (event.completed) return ["completed", shortState(event.completed.result.state)];
  return ["?", ""];
}

export function orchestration(main, id) {
  const run = new Run();
  const abort = new AbortController();
  const note = notice();
  let result = null;
  let escalated = "";
  let shownResult = null;
  let lastSequence = 0;
  const pending = [];
  let frame = 0;
  let dagSvg = null;
  // Redrawing the whole timeline for every batch would keep a large page's main thread busy
  // while events stream: at most this often, and once more at the end.
  const GANTT_EVERY_MS = 250;
  let ganttDrawn = 0;
  let timeline = null;
  let ganttSettled = false;
  const ganttPending = new Set();
  const taskRows = new Map();
  let finals = new Map();

  const title = h("h1", {}, "Orchestration ", h("span", { class: "mono" }, id), " ", h("span", { id: "state" }, badge("PENDING")));
  const facts = h("dl", { class: "facts" });
  const actions = h("div", { class: "row" });
  const dag = h("div", { class: "figure", id: "dag", style: null });
  const gantt = h("div", { class: "figure", id: "gantt" });
  const taskBody = h("tbody");
  const review = h("div", { id: "review" });
  const output = h("div", { id: "output" });
  const eventBody = h("tbody");
  const eventCount = h("span", { id: "events-count" }, "0");
  const rawEvents = [];
  const raw = h("pre", { id: "raw-events" });
  const rawDetails = h("details", { ontoggle: () => { if (rawDetails.open) raw.textContent = JSON.stringify(rawEvents, null, 2); } },
    h("summary", {}, "Raw events (JSON)"), raw);

  main.append(title, note.element, facts, actions,
    h("h2", {}, "Tasks as a graph"), legend(), dag,
    h("h2", {}, "Timeline"), gantt,
    h("h2", {}, "Tasks"),
    h("div", { class: "tasks-box" }, h("table", { id: "tasks" }, h("thead", {}, h("tr", {},
      h("th", {}, "Task"), h("th", {}, "Agent"), h("th", {}, "State"), h("th", { class: "num" }, "Attempts"),
      h("th", { class: "num" }, "Took"), h("th", { class: "num" }, "Tokens (prompt / completion)"), h("th", {}, "Error"), h("th", {}, "Output (redacted)"))), taskBody)),
    h("h2", {}, "Review"), review,
    h("h2", {}, "Output"), output,
    h("h2", {}, "Event log (", eventCount, " events)"),
    h("div", { class: "events" }, h("table", { id: "events" }, h("thead", {}, h("tr", {}, h("th", { class: "num" }, "#"), h("th", {}, "Time"), h("th", {}, "Kind"), h("th", {}, "What"))), eventBody)),
    rawDetails);

  function renderFacts() {
    const state = result ? shortState(result.state) : run.state;
    document.getElementById("state")?.replaceChildren(badge(state));
    put(facts,
      h("dt", {}, "Request id"), h("dd", { class: "mono" }, result?.request_id || "—"),
      h("dt", {}, "Created"), h("dd", {}, when(result?.create_time)),
      h("dt", {}, "Ended"), h("dd", {}, when(result?.end_time) || "—"),
      h("dt", {}, "Took"), h("dd", {}, result?.total_duration ? seconds(result.total_duration) : "—"),
      h("dt", {}, "Runs"), h("dd", {}, result?.runs ?? run.run),
      h("dt", {}, "Criteria"), h("dd", { class: "mono" }, result?.review_criteria_id ? `${result.review_criteria_id} v${result.review_criteria_version}` : "—"),
      result?.error ? [h("dt", {}, "Why"), h("dd", {}, result.error)] : null);
    actions.replaceChildren();
    if (!TERMINAL.has(state) && session.can("submit")) {
      actions.append(h("button", { type: "button", class: "danger", id: "cancel", onclick: cancel }, "Cancel orchestration"));
    }
    if (state === "AWAITING_HUMAN" && session.can("review")) {
      actions.append(h("a", { href: `#/escalations/${encodeURIComponent(id)}` }, "Review this escalation"));
    }
  }

  async function cancel() {
    const sure = await confirmAction("Cancel this orchestration?",
      "Running agents are interrupted and unfinished tasks end CANCELLED. This cannot be undone.", "Cancel it");
    if (!sure) return;
    try {
      const answer = await api(rpc.cancel, { orchestration_id: id, reason: `cancelled from the console by ${session.caller.principal}` });
      note.info(`Cancelled: the orchestration is ${shortState(answer.state)}.`);
    } catch (error) {
      note.error(error, "Cannot cancel");
    }
  }

  function renderOutput() {
    const state = result ? shortState(result.state) : run.state;
    if (state === "APPROVED") output.replaceChildren(h("pre", {}, result.output || "(empty)"));
    else if (escalated) output.replaceChildren(h("p", { class: "muted" }, "Awaiting a human; the redacted output under review:"), h("pre", {}, escalated));
    else output.replaceChildren(h("p", { class: "muted" }, TERMINAL.has(state) ? "No output: only an approved orchestration returns one." : "Not finished yet."));
  }

  /** Applies what arrived since the last frame, then redraws once: the rows of the tasks that
   * changed, the graph's colours, the timeline when it is due. */
  function flush() {
    frame = 0;
    // A replay can deliver hundreds of events at once: a slice per frame keeps the page's
    // main thread free for the reader between slices.
    const batch = pending.splice(0, EVENTS_PER_FRAME);
    if (pending.length > 0) frame = requestAnimationFrame(flush);
    const changed = new Set();
    for (const event of batch) {
      run.apply(event);
      if (event.task) changed.add(event.task.task_id);
      rawEvents.push(event);
      const [kind, what] = eventSummary(event);
      eventBody.append(h("tr", {}, h("td", { class: "num" }, event.sequence), h("td", {}, event.time.toLocaleTimeString()), h("td", {}, kind), h("td", {}, what)));
    }
    eventCount.textContent = String(rawEvents.length);
    const critical = TERMINAL.has(run.state) || run.state === "REVIEWING" || run.state === "AWAITING_HUMAN" ? run.criticalPath() : new Set();
    if (result !== shownResult) finals = new Map((result?.tasks ?? []).map((task) => [task.task_id, task]));
    /** The task's row, rebuilt if what it shows changed. */
    const row = (planned) => {
      const task = run.tasks.get(planned.task_id);
      const final = finals.get(planned.task_id);
      const facts = taskFacts(task, final);
      const shown = taskRows.get(planned.task_id);
      if (shown?.facts === facts) return shown;
      const fresh = { element: taskRow(planned, task, final), facts };
      shown?.element.replaceWith(fresh.element);
      taskRows.set(planned.task_id, fresh);
      return fresh;
    };
    const settled = TERMINAL.has(run.state) || run.state === "AWAITING_HUMAN";
    let ganttChanged = changed;
    if (run.planChanged) {
      dagSvg = drawDag(run, critical);
      dag.replaceChildren(dagSvg);
      timeline = new Gantt(run);
      gantt.replaceChildren(timeline.svg);
      ganttChanged = null;
      taskRows.clear();
      taskBody.replaceChildren(...run.plan.map((planned) => row(planned).element));
      run.planChanged = false;
    } else if (dagSvg) {
      const all = batch.some((event) => event.completed) || result !== shownResult;
      colourDag(dagSvg, run, critical, all || settled ? null : changed);
      for (const planned of run.plan) {
        if (all || changed.has(planned.task_id)) row(planned);
      }
    }
    shownResult = result;
    const now = Date.now();
    if (timeline && (settled || ganttChanged === null || now - ganttDrawn >= GANTT_EVERY_MS)) {
      // Changes since the last draw, not only this frame's: drawing may skip frames.
      for (const id of changed) ganttPending.add(id);
      timeline.update(ganttChanged === null || (settled && !ganttSettled) ? null : ganttPending, critical, now, settled);
      ganttSettled = settled;
      ganttPending.clear();
      ganttDrawn = now;
    } else {
      for (const id of changed) ganttPending.add(id);
    }
    review.replaceChildren(decisionView(result?.review ?? run.decision));
    renderFacts();
    renderOutput();
    if (rawDetails.open) raw.textContent = JSON.stringify(rawEvents, null, 2);
  }

  function queue(event) {
    pending.push(event);
    frame ||= requestAnimationFrame(flush);
  }

  async function refresh() {
    const view = session.can("review") ? "ORCHESTRATION_VIEW_ESCALATION" : "ORCHESTRATION_VIEW_BASIC";
    const answer = await api(rpc.get, { orchestration_id: id, view }, { signal: abort.signal });
    result = answer.orchestration;
    escalated = answer.escalated_output;
    frame ||= requestAnimationFrame(flush);
  }

  async function follow() {
    for (;;) {
      try {
        for await (const message of session.client.stream(rpc.stream, { orchestration_id: id, after_sequence: lastSequence }, { signal: abort.signal })) {
          const event = message.event;
          lastSequence = event.sequence;
          queue(event);
          if (event.completed || event.state_changed) await refresh();
        }
        return;
      } catch (error) {
        if (abort.signal.aborted) return;
        if (error instanceof GrpcError && ["NOT_FOUND", "INVALID_ARGUMENT", "PERMISSION_DENIED", "UNAUTHENTICATED"].includes(error.code)) {
          note.error(error, "Cannot follow this orchestration");
          return;
        }
        note.error(error, "The event stream broke; following again");
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    }
  }

  refresh().catch((error) => { if (!abort.signal.aborted) note.error(error, "Cannot read this orchestration"); });
  follow();
  const ticker = setInterval(() => { if (!TERMINAL.has(run.state) && run.start) frame ||= requestAnimationFrame(flush); }, 500);
  return () => { abort.abort(); clearInterval(ticker); if (frame) cancelAnimationFrame(frame); };
}

// ---------- escalations ----------

export function escalations(main, id) {
  const note = notice();
  const body = h("tbody");
  const detail = h("div", { id: "escalation" });
  const abort = new AbortController();

  async function load() {
    try {
      const answer = await api(rpc.list, { states: ["ORCHESTRATION_STATE_AWAITING_HUMAN"], page_size: 100 }, { signal: abort.signal });
      updateRows(body, answer.orchestrations, (r) => r.orchestration_id, (r) => h("tr", { "data-id": r.orchestration_id },
        h("td", {}, h("a", { href: `#/escalations/${encodeURIComponent(r.orchestration_id)}`, class: "mono" }, r.orchestration_id)),
        h("td", {}, when(r.create_time))));
      if (answer.orchestrations.length === 0) {
        body.replaceChildren(h("tr", { "data-id": "" }, h("td", { colspan: 2, class: "muted" }, "Nothing awaits a human.")));
      }
    } catch (error) {
      if (!abort.signal.aborted) note.error(error, "Cannot list escalations");
    }
  }

  async function show() {
    if (!id) { detail.replaceChildren(h("p", { class: "muted" }, "Choose an escalation to review it.")); return; }
    try {
      const answer = await api(rpc.get, { orchestration_id: id, view: "ORCHESTRATION_VIEW_ESCALATION" }, { signal: abort.signal });
      put(detail, escalationForm(answer, note, load));
    } catch (error) {
      if (!abort.signal.aborted) detail.replaceChildren(errorBanner(error, "Cannot read this orchestration"));
    }
  }

  main.append(h("h1", {}, "Escalations"), note.element,
    h("div", { class: "grid2" },
      h("section", { "aria-label": "Awaiting a human" },
        h("table", { id: "escalations" }, h("thead", {}, h("tr", {}, h("th", {}, "Id"), h("th", {}, "Created"))), body)),
      detail));
  load();
  show();
  const timer = setInterval(load, POLL_MS);
  return () => { abort.abort(); clearInterval(timer); };
}

function escalationForm(answer, note, reload) {
  const result = answer.orchestration;
  const id = result.orchestration_id;
  const state = shortState(result.state);
  const parts = [
    h("h2", {}, "Orchestration ", h("a", { href: `#/orchestrations/${encodeURIComponent(id)}`, class: "mono" }, id), " ", badge(result.state)),
    h("h3", {}, "Redacted output under review"),
    h("pre", { id: "escalated-output" }, answer.escalated_output || "(none)"),
    h("h3", {}, "What the review found"),
    decisionView(result.review),
  ];
  if (state !== "AWAITING_HUMAN") {
    parts.push(h("p", { class: "banner" }, TERMINAL.has(state) ? `Already decided: ${state}.` : `Not awaiting a human: it is ${state}.`));
    return parts;
  }
  if (!session.can("review")) {
    parts.push(h("p", { class: "banner" }, "Your roles do not include reviewer: you can read this escalation but not decide it."));
    return parts;
  }
  const comment = h("textarea", { id: "comment", rows: 3, style: null });
  const reviewer = session.caller.authenticated ? null : h("input", { id: "reviewer-name", type: "text", required: true, autocomplete: "name" });
  const decide = (approve) => async () => {
    if (reviewer && !reviewer.value.trim()) {
      note.info("Authentication is off: name yourself as the reviewer first.");
      reviewer.focus();
      return;
    }
    try {
      const decided = await api(rpc.resolve, {
        orchestration_id: id, approve, comment: comment.value, reviewer: reviewer?.value.trim() ?? "",
      });
      note.show(h("div", { class: "banner", role: "status" }, `Decided: the orchestration is ${shortState(decided.orchestration.state)}. `,
        h("a", { href: `#/orchestrations/${encodeURIComponent(id)}` }, "Open it")));
      reload();
    } catch (error) {
      note.error(error, "Cannot record the decision");
    }
  };
  parts.push(h("h3", {}, "Your decision"),
    reviewer ? h("label", { for: "reviewer-name" }, "Your name (recorded as the reviewer) ", reviewer) : null,
    h("label", { for: "comment" }, "Comment"), comment,
    h("div", { class: "row" },
      h("button", { type: "button", class: "primary", id: "approve", onclick: decide(true) }, "Approve"),
      h("button", { type: "button", class: "danger", id: "reject", onclick: decide(false) }, "Reject")));
  return parts;
}

// ---------- criteria ----------

const NEW_CRITERIA = {
  id: "my-criteria",
  display_name: "My criteria",
  required_sections: [],
  thresholds: { min_confidence: 0.5 },
  policies: [],
  redaction: { enabled: true, categories: [], style: "REDACTION_STYLE_LABEL" },
  check_consistency: false,
  reject_action: "REJECT_ACTION_ERROR",
};

/** The editable part of criteria, as JSON text (times and version are the server's). */
function editable(criteria) {
  const { create_time: _c, update_time: _u, version: _v, ...rest } = criteria;
  return JSON.stringify(rest, null, 2);
}

export function criteria(main, id) {
  return id ? criteriaEditor(main, id) : criteriaList(main);
}

async function criteriaList(main) {
  const note = notice();
  const body = h("tbody");
  main.append(h("h1", {}, "Review criteria"), note.element,
    session.can("manage_criteria") ? h("p", {}, h("a", { href: "#/criteria/new", id: "new-criteria" }, "New criteria")) : null,
    h("table", { id: "criteria" }, h("thead", {}, h("tr", {}, h("th", {}, "Id"), h("th", {}, "Name"), h("th", { class: "num" }, "Version"), h("th", {}, "On rejection"), h("th", {}, "Updated"))), body));
  try {
    const answer = await api(rpc.criteriaList, { page_size: 1000 });
    body.replaceChildren(...answer.criteria.map((c) => h("tr", { "data-id": c.id },
      h("td", {}, h("a", { href: `#/criteria/${encodeURIComponent(c.id)}`, class: "mono" }, c.id)),
      h("td", {}, c.display_name), h("td", { class: "num" }, c.version),
      h("td", {}, String(c.reject_action).replace("REJECT_ACTION_", "")),
      h("td", {}, when(c.update_time)))));
    if (answer.criteria.length === 0) body.replaceChildren(h("tr", {}, h("td", { colspan: 5, class: "muted" }, "None yet: orchestrations use the built-in defaults.")));
  } catch (error) {
    note.error(error, "Cannot list criteria");
  }
}

async function criteriaEditor(main, id) {
  const note = notice();
  const creating = id === "new";
  const editor = h("textarea", { id: "criteria-json", rows: 24, spellcheck: "false", "aria-describedby": "criteria-help" });
  const version = h("span", { id: "criteria-version" });
  let opened = null;
  const canEdit = session.can("manage_criteria");
  editor.readOnly = !canEdit;

  async function load() {
    const answer = await api(rpc.criteriaGet, { id });
    opened = answer.criteria;
    editor.value = editable(opened);
    version.textContent = `version ${opened.version}`;
  }

  function parsed() {
    try { return JSON.parse(editor.value); } catch (error) {
      note.show(h("div", { class: "banner error", role: "alert" }, `Not valid JSON: ${error.message}`));
      return null;
    }
  }

  async function save() {
    const edited = parsed();
    if (!edited) return;
    try {
      if (creating) {
        const made = await api(rpc.criteriaCreate, { criteria: edited });
        location.hash = `#/criteria/${encodeURIComponent(made.criteria.id)}`;
        return;
      }
      const updated = await api(rpc.criteriaUpdate, { criteria: { ...edited, id, version: opened.version } });
      opened = updated.criteria;
      version.textContent = `version ${opened.version}`;
      note.info(`Saved as version ${opened.version}.`);
    } catch (error) {
      if (error instanceof GrpcError && error.code === "ABORTED") {
        const current = await api(rpc.criteriaGet, { id }).catch(() => null);
        note.show(h("div", { class: "banner error", role: "alert", id: "conflict" },
          h("strong", {}, "Conflict: "),
          `these criteria changed since you opened them (you edited version ${opened.version}; `,
          current ? `version ${current.criteria.version} is stored now). ` : "they are gone now). ",
          "Your text is kept here and nothing was overwritten. ",
          h("button", { type: "button", onclick: async () => { await load(); note.info("Loaded the stored version; make your change again."); } }, "Load the stored version")));
      } else {
        note.error(error, creating ? "Cannot create" : "Cannot save");
      }
    }
  }

  async function remove() {
    const sure = await confirmAction(`Delete criteria ${id}?`, "Orchestrations that name them will be refused until they exist again.", "Delete");
    if (!sure) return;
    try {
      await api(rpc.criteriaDelete, { id, version: opened.version });
      location.hash = "#/criteria";
    } catch (error) {
      note.error(error, "Cannot delete");
    }
  }

  main.append(h("h1", {}, creating ? "New review criteria" : h("span", {}, "Criteria ", h("span", { class: "mono" }, id), " ", version)),
    h("p", { class: "muted", id: "criteria-help" }, "Fields as in the API's ReviewCriteria message, with enum values by name."),
    note.element, h("label", { for: "criteria-json" }, "Criteria (JSON)"), editor,
    canEdit ? h("div", { class: "row" },
      h("button", { type: "button", class: "primary", id: "save", onclick: save }, creating ? "Create" : "Save"),
      creating ? null : h("button", { type: "button", class: "danger", id: "delete", onclick: remove }, "Delete"),
      creating ? null : h("a", { href: `#/dry-run/${encodeURIComponent(id)}` }, "Dry run with these")) : h("p", { class: "muted" }, "Your roles do not include criteria_admin: read only."));
  if (creating) editor.value = JSON.stringify(NEW_CRITERIA, null, 2);
  else {
    try { await load(); } catch (error) { note.error(error, "Cannot read these criteria"); }
  }
}

// ---------- dry run ----------

/** One row per finding: what it is, what found it, and where (line and column of the pasted
 * text; the server gives UTF-8 byte offsets, the page counts characters). */
function findingRows(text, findings) {
  if (!findings.length) return [h("tr", {}, h("td", { colspan: 3, class: "muted" }, "Nothing was redacted."))];
  const bytes = new TextEncoder().encode(text);
  const decoder = new TextDecoder();
  return findings.map((f) => {
    const before = decoder.decode(bytes.subarray(0, f.start)).split("\n");
    const where = `line ${before.length}, column ${before[before.length - 1].length + 1} (bytes ${f.start}–${f.end})`;
    return h("tr", {}, h("td", {}, f.category), h("td", { class: "mono" }, f.detector), h("td", {}, where));
  });
}

export async function dryRun(main) {
  const note = notice();
  const preset = decodeURIComponent(location.hash.split("/")[2] ?? "");
  const choice = h("select", { id: "dry-criteria" }, h("option", { value: "" }, "The tenant's default"));
  const text = h("textarea", { id: "dry-text", rows: 10, placeholder: "Paste the text to review" });
  const redacted = h("pre", { id: "dry-redacted" }, "");
  const verdict = h("div", { id: "dry-verdict" });
  const foundBody = h("tbody", {});
  const found = h("table", { id: "dry-findings" },
    h("thead", {}, h("tr", {}, h("th", {}, "Category"), h("th", {}, "Detector"), h("th", {}, "Where"))), foundBody);
  main.append(h("h1", {}, "Dry run of a review"),
    h("p", { class: "muted" }, "Reviews pasted text against criteria without running anything or storing anything."),
    note.element,
    h("div", { class: "row" }, h("label", { for: "dry-criteria" }, "Criteria", choice)),
    h("label", { for: "dry-text" }, "Text"), text,
    h("div", { class: "row" }, h("button", { type: "button", class: "primary", id: "evaluate", onclick: evaluate }, "Review it")),
    h("div", { class: "grid2" },
      h("section", { "aria-label": "Redacted text" }, h("h2", {}, "Redacted text"), redacted),
      h("section", { "aria-label": "Decision" }, h("h2", {}, "Decision"), verdict)),
    h("section", { "aria-label": "What was redacted" }, h("h2", {}, "What was redacted"), found));

  async function evaluate() {
    try {
      const request = { output: text.value };
      if (choice.value) request.review_criteria_id = choice.value;
      const answer = await api(rpc.evaluate, request);
      redacted.textContent = answer.redacted_output;
      verdict.replaceChildren(decisionView(answer.decision));
      foundBody.replaceChildren(...findingRows(text.value, answer.findings));
      note.clear();
    } catch (error) {
      note.error(error, "Cannot review");
    }
  }

  try {
    const answer = await api(rpc.criteriaList, { page_size: 1000 });
    choice.append(...answer.criteria.map((c) => h("option", { value: c.id, selected: c.id === preset }, `${c.id} — ${c.display_name}`)));
  } catch (error) {
    note.error(error, "Cannot list criteria");
  }
}
