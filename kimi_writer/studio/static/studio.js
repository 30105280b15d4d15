// kimi-writer studio: saves, runs and the live log. No inline script: the page's CSP forbids it.
"use strict";

function say(element, text, kind) {
  if (!element) return;
  element.textContent = text;
  element.className = "message " + (kind || "");
}

async function send(method, url, body) {
  const response = await fetch(url, {
    method: method, credentials: "same-origin",
    headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)
  });
  let data = {};
  try { data = await response.json(); } catch (error) { data = {}; }
  return {ok: response.ok, status: response.status, data: data};
}

function fileUrl(kind, book, file) {
  return "/api/books/" + encodeURIComponent(book) + "/" + kind + "/" + file.split("/").map(encodeURIComponent).join("/");
}

function setUpEditors() {
  document.querySelectorAll("form.editor").forEach(function (form) {
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      const message = form.querySelector(".message");
      const text = form.querySelector("textarea").value;
      say(message, "Saving…");
      const result = await send("PUT", fileUrl("files", form.dataset.book, form.dataset.file),
                                {text: text, base_sha256: form.dataset.sha});
      if (result.ok) {
        form.dataset.sha = result.data.sha256;
        say(message, "Saved.", "ok");
      } else {
        say(message, (result.data.error || "Not saved.") + " (HTTP " + result.status + ")", "error");
      }
    });
  });
}

async function startRun(body, message) {
  say(message, "Starting…");
  const result = await send("POST", "/api/runs", body);
  if (result.ok) {
    window.location.href = "/runs/" + encodeURIComponent(result.data.run);
  } else {
    say(message, result.data.error || ("Not started (HTTP " + result.status + ")"), "error");
  }
}

function setUpRunForms() {
  const form = document.getElementById("new-book");
  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      const options = {};
      if (form.elements.plan_only.checked) options.plan_only = true;
      if (form.elements.review.checked) options.review = "auto";
      if (form.elements.writer_model.value.trim()) options.writer_model = form.elements.writer_model.value.trim();
      startRun({command: "write", prompt: form.elements.prompt.value, options: options}, form.querySelector(".message"));
    });
  }
  document.querySelectorAll("nav.actions button.run").forEach(function (button) {
    button.addEventListener("click", function () {
      const nav = button.closest("nav");
      startRun({command: button.dataset.command, book: nav.dataset.book, options: {}}, nav.querySelector(".message"));
    });
  });
  document.querySelectorAll("form.note-form").forEach(function (noteForm) {
    noteForm.addEventListener("submit", function (event) {
      event.preventDefault();
      startRun({command: "revise", book: noteForm.dataset.book,
                options: {chapters: noteForm.dataset.chapter, note: noteForm.elements.note.value}},
               noteForm.querySelector(".message"));
    });
  });
  document.querySelectorAll("button.restore").forEach(function (button) {
    button.addEventListener("click", async function () {
      const message = button.closest("section").querySelector(".message");
      const result = await send("POST", fileUrl("versions", button.dataset.book, button.dataset.file) + "/restore",
                                {version: button.dataset.version});
      if (result.ok) { window.location.reload(); }
      else { say(message, (result.data.error || "Not restored.") + " (HTTP " + result.status + ")", "error"); }
    });
  });
}

function line(log, kind, text) {
  const row = document.createElement("div");
  row.className = "event " + kind;
  row.dataset.type = kind;
  row.textContent = text;
  log.appendChild(row);
  log.scrollTop = log.scrollHeight;
  return row;
}

function appendTo(log, kind, text, folded) {
  const last = log.lastElementChild;
  if (last && last.dataset.type === kind) {
    const target = last.querySelector(".text") || last;
    target.textContent += text;
    return;
  }
  if (folded) {
    const details = document.createElement("details");
    details.className = "event reasoning";
    details.dataset.type = kind;
    const summary = document.createElement("summary");
    summary.textContent = "Reasoning";
    const body = document.createElement("div");
    body.className = "text";
    body.textContent = text;
    details.appendChild(summary);
    details.appendChild(body);
    log.appendChild(details);
  } else {
    line(log, kind, text);
  }
}

function money(value) { return value === null || value === undefined ? "—" : "$" + Number(value).toFixed(4); }

function showEvent(page, event) {
  const log = page.querySelector("[data-test=run-log]");
  const state = page.querySelector(".run-state");
  switch (event.type) {
  case "run_start":
    state.textContent = "running: " + event.command;
    line(log, "start", "Started: kimi-writer " + event.command + " " + (event.args || []).join(" "));
    break;
  case "iteration":
    page.querySelector(".iteration").textContent = "iteration " + event.n + " of " + event.limit;
    if (event.context_limit) {
      page.querySelector(".context").value = event.context_tokens / event.context_limit;
      page.querySelector(".context-text").textContent =
        Number(event.context_tokens).toLocaleString() + " / " + Number(event.context_limit).toLocaleString() + " tokens";
    }
    break;
  case "reasoning": appendTo(log, "reasoning", event.text, true); break;
  case "content": appendTo(log, "content", event.text, false); break;
  case "tool_call": showCall(log, event); break;
  case "tool_result": showResult(page, log, event); break;
  case "review": line(log, "review", "Review of " + event.file + ": " + event.overall); break;
  case "notice": line(log, "notice", event.text); break;
  case "run_end": showEnd(page, log, event); break;
  default: break;
  }
}

function showCall(log, event) {
  // A call's progress arrives as more tool_call events: the same line counts up until its result.
  const text = "→ " + event.name + " (" + Number(event.chars || 0).toLocaleString() + " characters)";
  const last = log.lastElementChild;
  if (last && last.dataset.type === "tool_call" && last.dataset.name === event.name) {
    last.textContent = text;
    return;
  }
  line(log, "tool_call", text).dataset.name = event.name;
}

function showResult(page, log, event) {
  line(log, "tool_result " + (event.ok ? "ok" : "failed"), (event.ok ? "✓ " : "✗ ") + event.name + ": " + (event.summary || ""));
  if (event.file) {
    const list = page.querySelector(".written");
    let item = list.querySelector('[data-file="' + CSS.escape(event.file) + '"]');
    if (!item) {
      item = document.createElement("li");
      item.dataset.test = "chapter";
      item.dataset.file = event.file;
      list.appendChild(item);
    }
    item.textContent = event.file + (event.words !== undefined ? " · " + Number(event.words).toLocaleString() + " words" : "");
  }
}

function showEnd(page, log, event) {
  const stopped = event.exit_code === 143 || event.exit_code === 130;
  page.querySelector(".run-state").textContent = stopped ? "stopped (exit " + event.exit_code + ")" : "ended (exit " + event.exit_code + ")";
  const summary = page.querySelector("[data-test=summary]");
  summary.textContent = event.outcome + " Iterations: " + (event.iterations || 0) + ". Tokens in " +
    Number(event.prompt_tokens || 0).toLocaleString() + ", out " + Number(event.completion_tokens || 0).toLocaleString() +
    (event.estimated ? " (estimated)" : "") + ". Cost " + money(event.cost) + ".";
  line(log, "run_end", "Ended: exit " + event.exit_code + ". " + event.outcome);
  page.querySelector("[data-test=stop]").hidden = true;
  if (event.exit_code !== 0) page.querySelector("[data-test=continue]").hidden = false;
}

async function describe(page) {
  const response = await fetch("/api/runs/" + encodeURIComponent(page.dataset.run), {credentials: "same-origin"});
  if (!response.ok) return null;
  const info = await response.json();
  if (info.book) {
    const link = page.querySelector(".book-link");
    link.href = "/books/" + encodeURIComponent(info.book);
    link.hidden = false;
    page.dataset.book = info.book;
  }
  return info;
}

function setUpRunPage() {
  const page = document.querySelector(".run-page");
  if (!page) return;
  const source = new EventSource("/api/runs/" + encodeURIComponent(page.dataset.run) + "/events");
  source.onmessage = function (message) {
    const event = JSON.parse(message.data);
    showEvent(page, event);
    if (event.type === "tool_result" || event.type === "run_end") describe(page);
  };
  source.addEventListener("end", function () { source.close(); });
  describe(page);
  page.querySelector("[data-test=stop]").addEventListener("click", async function () {
    await send("POST", "/api/runs/" + encodeURIComponent(page.dataset.run) + "/stop", {});
  });
  page.querySelector("[data-test=continue]").addEventListener("click", async function () {
    const info = await describe(page);
    if (info && info.book) startRun({command: "recover", book: info.book, options: {}}, page.querySelector(".summary"));
  });
}

async function fillLint() {
  const table = document.querySelector("table.parts[data-lint-pending]");
  if (!table) return;
  const response = await fetch("/api/books/" + encodeURIComponent(table.dataset.book) + "/lint", {credentials: "same-origin"});
  if (!response.ok) return;
  const counts = await response.json();
  table.querySelectorAll("td[data-test=lint]").forEach(function (cell) {
    cell.textContent = counts[cell.dataset.file] ? String(counts[cell.dataset.file]) : "—";
  });
}

document.addEventListener("DOMContentLoaded", function () {
  window.studioLoaded = true;
  fillLint();
  setUpEditors();
  setUpRunForms();
  setUpRunPage();
});
