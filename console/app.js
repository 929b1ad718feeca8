// The console's shell: credentials, the API client, the caller's permissions, routing between
// pages (views.js), and the small helpers the pages share.

import { Client, GrpcError } from "./grpc.js";
import * as views from "./views.js";

// Credentials live in this tab's session storage only: never in a URL, gone with the tab.
const CREDENTIALS = "orchestrator.credentials";

export const session = {
  client: null,
  caller: null,
  credentials() {
    try { return JSON.parse(sessionStorage.getItem(CREDENTIALS)) || {}; } catch { return {}; }
  },
  remember(credentials) { sessionStorage.setItem(CREDENTIALS, JSON.stringify(credentials)); },
  forget() { sessionStorage.removeItem(CREDENTIALS); },
  /** Whether the caller's roles allow `permission` (view, submit, review, manage_criteria). */
  can(permission) { return Boolean(this.caller?.permissions.includes(permission)); },
};

/** The API's methods by short name. */
export const rpc = {
  get: "orchestrator.v1.OrchestratorService/GetOrchestration",
  list: "orchestrator.v1.OrchestratorService/ListOrchestrations",
  stream: "orchestrator.v1.OrchestratorService/StreamStatus",
  cancel: "orchestrator.v1.OrchestratorService/CancelOrchestration",
  resolve: "orchestrator.v1.OrchestratorService/ResolveEscalation",
  caller: "orchestrator.v1.OrchestratorService/GetCaller",
  criteriaList: "orchestrator.v1.ReviewCriteriaService/ListReviewCriteria",
  criteriaGet: "orchestrator.v1.ReviewCriteriaService/GetReviewCriteria",
  criteriaCreate: "orchestrator.v1.ReviewCriteriaService/CreateReviewCriteria",
  criteriaUpdate: "orchestrator.v1.ReviewCriteriaService/UpdateReviewCriteria",
  criteriaDelete: "orchestrator.v1.ReviewCriteriaService/DeleteReviewCriteria",
  evaluate: "orchestrator.v1.ReviewCriteriaService/EvaluateReview",
};

/** An element: `h("a", {href: "#"}, "text", child)`. Text is always text, never markup. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElementNS(
    tag === "svg" || attributes.svg ? "http://www.w3.org/2000/svg" : "http://www.w3.org/1999/xhtml",
    tag,
  );
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "svg" || value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "text") element.textContent = value;
    else element.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/** Replaces the children of `element`; null, undefined and false stand for nothing. */
export function put(element, ...children) {
  element.replaceChildren(...children.flat(2).filter((child) => child !== null && child !== undefined && child !== false));
}

/** An SVG element. */
export function s(tag, attributes = {}, ...children) {
  return h(tag, { ...attributes, svg: true }, ...children);
}

/** A state badge: `ORCHESTRATION_STATE_APPROVED` shows as APPROVED. */
export function badge(state) {
  const short = shortState(state);
  return h("span", { class: `state s-${short}` }, short.replace("_", " "));
}

export function shortState(state) {
  return String(state).replace(/^(ORCHESTRATION_STATE|TASK_STATE|REVIEW_VERDICT|REVIEW_STATE)_/, "");
}

export function seconds(value) {
  if (value === undefined || value === null) return "";
  if (value < 1) return `${Math.round(value * 1000)} ms`;
  if (value < 120) return `${value.toFixed(value < 10 ? 2 : 1)} s`;
  return `${Math.floor(value / 60)} min ${Math.round(value % 60)} s`;
}

export function when(date) {
  if (!(date instanceof Date)) return "";
  return date.toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" });
}

/** A message for people from a failed call: the status, and each field violation. */
export function errorBanner(error, context = "") {
  const banner = h("div", { class: "banner error", role: "alert" });
  if (error instanceof GrpcError) {
    banner.append(h("strong", {}, `${context ? `${context}: ` : ""}${error.code}`), " ", error.message);
    const violations = error.violations;
    if (violations.length > 0) {
      banner.append(h("ul", {}, violations.map((v) => h("li", {}, h("code", {}, v.field), " ", v.description))));
    }
  } else {
    banner.append(h("strong", {}, context || "Error"), " ", String(error?.message ?? error));
  }
  return banner;
}

/** Asks before something that cannot be undone; resolves to true when confirmed. */
export function confirmAction(title, text, action) {
  const dialog = document.getElementById("confirm");
  document.getElementById("confirm-title").textContent = title;
  document.getElementById("confirm-text").textContent = text;
  const ok = document.getElementById("confirm-ok");
  const no = document.getElementById("confirm-no");
  ok.textContent = action;
  return new Promise((resolve) => {
    const done = (answer) => () => {
      ok.onclick = no.onclick = dialog.oncancel = null;
      dialog.close();
      resolve(answer);
    };
    ok.onclick = done(true);
    no.onclick = done(false);
    dialog.oncancel = done(false);
    dialog.showModal();
    no.focus();
  });
}

let leave = null;

/** Shows the page the location's hash names; the previous page stops its streams first. */
async function route() {
  if (leave) { leave(); leave = null; }
  const [, section = "orchestrations", ...rest] = location.hash.replace(/^#/, "").split("/");
  for (const link of document.querySelectorAll("nav a")) {
    link.toggleAttribute("aria-current", link.dataset.section === section);
    if (link.dataset.section === section) link.setAttribute("aria-current", "page");
  }
  const main = document.getElementById("main");
  main.replaceChildren();
  if (!session.caller) {
    views.signIn(main, start);
    return;
  }
  const id = rest.map(decodeURIComponent).join("/");
  const pages = {
    orchestrations: () => (id ? views.orchestration(main, id) : views.orchestrations(main)),
    escalations: () => views.escalations(main, id),
    criteria: () => views.criteria(main, id),
    "dry-run": () => views.dryRun(main),
  };
  const page = pages[section] ?? pages.orchestrations;
  leave = (await page()) ?? null;
}

function showCaller() {
  const who = document.getElementById("who");
  who.replaceChildren();
  const caller = session.caller;
  if (!caller) return;
  put(who,
    h("span", {}, caller.authenticated ? caller.principal : "authentication off", " · tenant ", h("strong", {}, caller.tenant)),
    caller.roles.length ? h("span", { class: "muted" }, `(${caller.roles.join(", ")})`) : null);
  // Without authentication anyone names the tenant, and an admin may act for any: offer it.
  if (!caller.authenticated || caller.roles.includes("admin")) {
    const tenant = h("input", { id: "switch-tenant", type: "text", size: 12, value: caller.tenant, autocomplete: "off" });
    who.append(h("form", {
      class: "switch",
      onsubmit: (event) => {
        event.preventDefault();
        session.remember({ ...session.credentials(), tenant: tenant.value.trim() });
        start();
      },
    }, h("label", { for: "switch-tenant" }, "Tenant "), tenant, h("button", { type: "submit" }, "Switch")));
  }
  if (session.credentials().token) {
    who.append(h("button", { type: "button", onclick: () => { session.forget(); session.caller = null; start(); } }, "Sign out"));
  }
}

/** Asks the server who the stored credentials (or none) name; without an answer, signs in. */
export async function start() {
  session.client ??= await Client.connect(() => session.credentials());
  try {
    session.caller = await session.client.call(rpc.caller, {});
  } catch (error) {
    session.caller = null;
    if (!(error instanceof GrpcError) || !["UNAUTHENTICATED", "PERMISSION_DENIED"].includes(error.code)) {
      document.getElementById("main").replaceChildren(errorBanner(error, "Cannot reach the API"));
      return;
    }
  }
  showCaller();
  await route();
}

window.addEventListener("hashchange", route);
start().catch((error) => document.getElementById("main").replaceChildren(errorBanner(error)));
