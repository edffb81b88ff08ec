// The playground's chat page: shows one runner's chat with the bot, as the stand-in holds
// it, and plays that runner (texts, taps, locations). Long-polls /api/state for changes.
"use strict";

const PLACES = [
  ["Berlin", 52.52, 13.405],
  ["London", 51.507, -0.128],
  ["New York", 40.713, -74.006],
  ["Sydney", -33.869, 151.209],
  ["Kathmandu", 27.717, 85.324],
  ["Tokyo", 35.676, 139.65],
];

const $ = (id) => document.getElementById(id);

const state = {
  user: null, // the runner being played
  version: "",
  generation: 0, // bumped on a runner switch; an older poll loop then stops
  rendered: new Map(), // message id -> { el, sig }
  days: new Map(), // local date (YYYY-MM-DD) -> its separator in the chat
  seenToasts: new Set(),
  firstView: true,
  atDirty: false, // the person edited the time field: stop suggesting one
  users: "",
};

function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "className") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function show(box, text, ms) {
  box.textContent = text;
  box.hidden = false;
  clearTimeout(box._timer);
  box._timer = setTimeout(() => { box.hidden = true; }, ms);
}
const showError = (text) => show($("error"), text, 4000);
const showToast = (text, alert) => show($("toast"), text, alert ? 5000 : 2500);

async function post(path, body) {
  try {
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ user: state.user, ...body }),
    });
    const data = await response.json();
    if (!data.ok) {
      showError(data.error || "That did not work.");
      return null;
    }
    return data;
  } catch (error) {
    showError("The playground is not answering. Is `python -m bot playground` still running?");
    return null;
  }
}

// ------------------------------------------------------------------ rendering

function messageNode(message) {
  const bubble = el("div", { className: "bubble" });
  if (message.photo) {
    const picture = el("img", { className: "photo", src: message.photo, alt: "Picture from the bot" });
    picture.addEventListener("load", () => {
      const box = $("messages");
      box.scrollTop = box.scrollHeight; // the picture made the chat taller
    });
    bubble.append(picture);
  }
  if (message.document) {
    bubble.append(
      el("a", {
        className: "document",
        href: message.document.url,
        download: message.document.name,
        text: `📄 ${message.document.name}`,
      }),
    );
  }
  if (message.location) bubble.append(el("div", { className: "text", text: "📍 Location" }));
  if (message.text) bubble.append(el("div", { className: "text", text: message.text }));
  bubble.append(el("div", { className: "meta", text: (message.edited ? "edited " : "") + message.time }));

  const node = el("div", {
    className: `msg ${message.from_bot ? "bot" : "me"}`,
    dataset: { id: String(message.id), testid: "message" },
  }, [bubble]);

  if (message.buttons.length) {
    const keyboard = el("div", { className: "kb" });
    for (const row of message.buttons) {
      const line = el("div", { className: "row" });
      for (const button of row) {
        if (button.url) {
          line.append(el("a", { href: button.url, target: "_blank", rel: "noopener", text: button.text, title: button.text }));
        } else {
          line.append(el("button", {
            type: "button",
            text: button.text,
            title: button.text, // the label may be cut short on a phone
            onclick: (event) => tap(event.currentTarget, message.id, button.data),
          }));
        }
      }
      keyboard.append(line);
    }
    node.append(keyboard);
  }
  return node;
}

function daySeparator(message) {
  let node = state.days.get(message.day);
  if (!node) {
    node = el("div", { className: "day", dataset: { day: message.day, testid: "day" }, text: message.day_label });
    state.days.set(message.day, node);
  }
  return node;
}

function renderMessages(messages) {
  const box = $("messages");
  const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  const keep = new Set();
  const keepDays = new Set();
  let previous = null;
  let appended = false;
  let day = null;
  const place = (node) => {
    const expected = previous ? previous.nextSibling : box.firstChild;
    if (expected !== node) box.insertBefore(node, expected);
    previous = node;
  };
  for (const message of messages) {
    if (message.day !== day) { // a new day in the runner's zone (time travel makes many)
      day = message.day;
      keepDays.add(day);
      place(daySeparator(message));
    }
    keep.add(message.id);
    const sig = JSON.stringify(message);
    let entry = state.rendered.get(message.id);
    if (!entry || entry.sig !== sig) {
      const node = messageNode(message);
      if (entry) entry.el.replaceWith(node);
      else appended = true;
      entry = { el: node, sig };
      state.rendered.set(message.id, entry);
    }
    place(entry.el);
  }
  for (const [id, entry] of state.rendered) {
    if (!keep.has(id)) {
      entry.el.remove(); // deleted by the bot
      state.rendered.delete(id);
    }
  }
  for (const [key, node] of state.days) {
    if (!keepDays.has(key)) {
      node.remove();
      state.days.delete(key);
    }
  }
  if (appended || nearBottom) box.scrollTop = box.scrollHeight;
}

function renderUsers(users) {
  const sig = JSON.stringify(users);
  if (sig === state.users) return;
  state.users = sig;
  const select = $("user-select");
  select.replaceChildren(
    ...users.map((user) => el("option", { value: String(user.id), text: user.name, title: `${user.name} (id ${user.id})` })),
  );
  select.value = String(state.user);
}

function renderClock(clock) {
  const now = `${clock.label} ${clock.zone}`;
  $("clock").textContent = now;
  $("clock").title = now;
  $("clock-ahead").textContent = clock.ahead ? `⏩ +${clock.ahead}` : "";
  $("clock-ahead").title = clock.ahead ? `The bot's clock is ${clock.ahead} ahead of real time` : "";
  const next = $("clock-next");
  const paused = clock.paused_until !== null && clock.paused_until !== undefined;
  next.classList.toggle("paused", paused);
  if (paused) {
    // No reminder comes while paused: say when the pause ends, not when one would have.
    next.textContent = clock.paused_until ? `⏸ Paused until ${clock.paused_until}` : "⏸ Paused until /resume";
    next.title = clock.next ? `First reminder after the pause: ${clock.next}` : "Nothing comes until /resume";
  } else {
    next.textContent = clock.next ? `Next ${clock.next_kind} ${clock.next}` : "Nothing scheduled";
    next.title = next.textContent;
  }
  $("travel-next").title = clock.next ? `To the next ${clock.next_kind}: ${clock.next}` : next.title;
  if (!state.atDirty) $("travel-at").value = clock.suggested;
}

function renderMenu(commands) {
  const menu = $("menu");
  const sig = JSON.stringify(commands);
  if (menu.dataset.sig === sig) return;
  menu.dataset.sig = sig;
  menu.replaceChildren(
    ...commands.map((command) =>
      el("button", {
        type: "button",
        className: "menu-item",
        dataset: { command: command.command },
        onclick: () => { menu.hidden = true; send(`/${command.command}`); },
      }, [
        el("span", { className: "command", text: `/${command.command}` }),
        el("span", { className: "desc", text: command.description }),
      ]),
    ),
  );
}

function renderToasts(toasts) {
  for (const toast of toasts) {
    if (state.seenToasts.has(toast.id)) continue;
    state.seenToasts.add(toast.id);
    if (!state.firstView) showToast(toast.text, toast.alert);
  }
}

function render(view) {
  $("bot-name").textContent = view.bot_name;
  renderUsers(view.users);
  renderClock(view.clock);
  renderMenu(view.commands);
  renderMessages(view.messages);
  renderToasts(view.toasts);
  state.firstView = false;
  document.body.dataset.version = view.version;
}

// ------------------------------------------------------------------ the runner's actions

async function send(text) {
  if (!text.trim()) return;
  await post("/api/send", { text });
}

async function tap(button, messageId, data) {
  button.disabled = true;
  await post("/api/tap", { message_id: messageId, data });
  setTimeout(() => { button.disabled = false; }, 300);
}

async function travel(body, button) {
  if (button) button.disabled = true;
  const done = await post("/api/time", body);
  if (button) button.disabled = false;
  return done !== null;
}

function switchTo(user) {
  state.user = user;
  state.version = "";
  state.firstView = true;
  state.atDirty = false;
  state.rendered.clear();
  state.days.clear();
  $("messages").replaceChildren();
  $("user-select").value = String(user);
  history.replaceState(null, "", `#runner=${user}`);
  poll();
}

async function poll() {
  const generation = ++state.generation;
  while (generation === state.generation) {
    try {
      const response = await fetch(`/api/state?user=${state.user}&since=${state.version}`);
      const view = await response.json();
      if (generation !== state.generation) return;
      if (view.ok === false) {
        showError(view.error);
        if (state.user !== 1001) {
          switchTo(1001); // e.g. an old #runner= link after a restart
          return;
        }
        await sleep(2000);
        continue;
      }
      state.version = view.version;
      render(view);
    } catch (error) {
      if (generation !== state.generation) return;
      await sleep(1000); // the server is restarting or gone; try again
    }
  }
}

// ------------------------------------------------------------------ wiring

const POPUPS = ["menu", "places", "new-user", "travel-at-form"];
const UNDER_THE_BARS = new Set(["new-user", "travel-at-form"]); // hang under their button

function togglePopup(id, anchor) {
  const popup = $(id);
  for (const other of POPUPS) if (other !== id) $(other).hidden = true;
  popup.hidden = !popup.hidden;
  if (popup.hidden) return;
  if (id === "new-user") $("new-user-name").focus();
  const at = anchor.getBoundingClientRect();
  if (UNDER_THE_BARS.has(id)) popup.style.top = `${at.bottom + 6}px`;
  else popup.style.left = `${at.left}px`;
}

function wire() {
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("composer-text");
    const text = input.value;
    input.value = "";
    send(text);
  });
  $("menu-button").addEventListener("click", (event) => togglePopup("menu", event.currentTarget));
  $("place-button").addEventListener("click", (event) => togglePopup("places", event.currentTarget));
  $("add-runner").addEventListener("click", (event) => togglePopup("new-user", event.currentTarget));
  $("travel-at-open").addEventListener("click", (event) => togglePopup("travel-at-form", event.currentTarget));
  $("places").replaceChildren(
    ...PLACES.map(([name, latitude, longitude]) =>
      el("button", {
        type: "button",
        text: `📍 ${name}`,
        onclick: () => { $("places").hidden = true; post("/api/location", { latitude, longitude }); },
      }),
    ),
  );
  for (const button of document.querySelectorAll("[data-travel]")) {
    button.addEventListener("click", () => travel({ action: button.dataset.travel }, button));
  }
  $("travel-at").addEventListener("input", () => { state.atDirty = true; });
  $("travel-at-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const body = { action: "at", day: $("travel-day").value, at: $("travel-at").value };
    travel(body, $("travel-go")).then((done) => { if (done) $("travel-at-form").hidden = true; });
  });
  $("user-select").addEventListener("change", (event) => switchTo(Number(event.target.value)));
  $("new-user").addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = $("new-user-name").value;
    const created = await post("/api/users", { name });
    if (created) {
      $("new-user-name").value = "";
      $("new-user").hidden = true;
      state.users = ""; // redraw the list with the newcomer
      switchTo(created.user);
    }
  });
}

wire();
const fromHash = /runner=(\d+)/.exec(location.hash);
switchTo(fromHash ? Number(fromHash[1]) : 1001);
