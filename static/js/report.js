/* "Laporkan masalah": a visitor reports a problem at a place or on a route (templates/_report.html).
 *
 * The form works without this script (it posts to /laporan). With it, the report goes into the phone's
 * outbox first (IndexedDB, the photo as a Blob) and is sent from there: at once when there is signal, or by
 * itself when the signal returns (this page's `online`, or the service worker's Background Sync when the page
 * is gone). Every try carries the report's Idempotency-Key, so a retry never stores it twice. The sender's
 * links, with the office's answers, are listed under the form ("Your reports"). */

const form = document.querySelector(".gt-report__form");
const FLAG = "geotour-reports"; // this phone has sent or kept a report: list them on every place's page
const lang = document.documentElement.lang || "id";

function say(text) {
  form.querySelector(".gt-report__status").textContent = text;
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = resolve;
    script.onerror = reject;
    document.head.appendChild(script);
  });
}

let loading = null;
/* The outbox (static/js/offline/outbox.js and its IndexedDB helper), loaded the first time it is needed. */
function outbox() {
  if (window.GeotourOutbox) return Promise.resolve(window.GeotourOutbox);
  if (!loading) {
    const [helper, box] = JSON.parse(form.dataset.scripts);
    loading = (window.idbKeyval ? Promise.resolve() : loadScript(helper))
      .then(() => loadScript(box))
      .then(() => window.GeotourOutbox);
  }
  return loading;
}

function flagged() {
  try {
    return !!localStorage.getItem(FLAG);
  } catch {
    return false;
  }
}

function flag() {
  try {
    localStorage.setItem(FLAG, "1");
  } catch {
    /* private mode: the list shows while this page is open */
  }
}

function categoryLabel(value) {
  const input = form.querySelector(`input[name="category"][value="${CSS.escape(value || "")}"]`);
  return input ? input.parentElement.textContent.trim() : value;
}

/* What the server said of a refused report: each problem's words, or its one message. */
function why(entry) {
  const problems = (entry.problems || []).map((p) => p.message);
  return problems.length ? problems.join(" ") : entry.error || String(entry.status);
}

function locate() {
  return new Promise((resolve, reject) => {
    if (!navigator.geolocation) return reject(new Error("no geolocation"));
    navigator.geolocation.getCurrentPosition(resolve, reject, {
      enableHighAccuracy: true,
      timeout: 20000,
      maximumAge: 60000,
    });
  });
}

function item(text, link) {
  const li = document.createElement("li");
  if (link) {
    const a = document.createElement("a");
    a.href = link;
    a.textContent = text;
    li.appendChild(a);
  } else li.textContent = text;
  return li;
}

/* List this phone's reports: the ones waiting (or refused, with the server's words and a delete button)
 * and the ones sent, each with its link. */
async function show() {
  const box = await outbox();
  const [waiting, sent] = await Promise.all([box.all(), box.reportsSent()]);
  const mine = form.parentElement.querySelector(".gt-report__mine");
  const list = mine.querySelector("ul");
  list.textContent = "";
  for (const entry of waiting.filter((i) => i.kind === "report")) {
    const words = `${entry.name} · ${categoryLabel(entry.fields.category)}`;
    if (entry.state === "failed") {
      const li = item(`${words}: ${form.dataset.failed} ${why(entry)}`);
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "gt-button gt-button--quiet";
      remove.textContent = "×";
      remove.setAttribute("aria-label", form.dataset.remove || "Delete");
      remove.addEventListener("click", () => box.remove(entry.id, "visitor").then(show));
      li.appendChild(remove);
      list.appendChild(li);
    } else list.appendChild(item(`${words}: ${form.dataset.kept}`));
  }
  for (const report of sent.slice(0, 10)) {
    list.appendChild(item(`${report.place_name} · ${categoryLabel(report.category)}`, report.link));
  }
  mine.hidden = !list.children.length;
}

async function send() {
  const box = await outbox();
  const result = await box.flush({ reportsOnly: true });
  await show();
  if (result.sent.length) say(form.dataset.sent);
  else if (result.failed)
    say(
      `${form.dataset.failed} ${(await box.all())
        .filter((i) => i.kind === "report" && i.state === "failed")
        .map(why)
        .pop()}`,
    );
  else if (result.waiting) say(form.dataset.kept);
}

async function report(event) {
  if (!window.indexedDB || !window.FormData || !window.Promise) return; // the plain form posts it
  event.preventDefault();
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const data = new FormData(form);
    const fields = { place: data.get("place"), category: data.get("category"), text: data.get("text") || "" };
    if (data.get("with_position")) {
      say(form.dataset.locating);
      try {
        const where = await locate();
        fields.lon = where.coords.longitude;
        fields.lat = where.coords.latitude;
        fields.accuracy_m = Math.round(where.coords.accuracy);
      } catch {
        say(form.dataset.noPosition);
      }
    }
    const photo = data.get("photo");
    let box;
    try {
      box = await outbox();
    } catch {
      // No signal before this page's outbox ever reached the phone: the report cannot be kept here.
      say(form.dataset.unsaved);
      return;
    }
    await box.add({
      kind: "report",
      owner: "visitor",
      url: `${form.dataset.api}?lang=${encodeURIComponent(lang)}`,
      name: form.dataset.placeName,
      fields,
      photos: photo && photo.size ? [{ blob: photo, name: photo.name }] : [],
    });
    flag();
    form.reset();
    say(form.dataset.sending);
    await send();
  } finally {
    button.disabled = false;
  }
}

if (form) {
  form.addEventListener("submit", report);
  // Opening the form fetches the outbox, so a report written after the signal went can still be kept.
  form
    .closest("details")
    .addEventListener("toggle", () => outbox().catch(() => (loading = null)), { once: true });
  if (navigator.geolocation) form.querySelector(".gt-report__where").hidden = false;
  if (flagged()) show().catch(() => {});
  document.addEventListener("geotour:online", () => {
    if (flagged()) send().catch(() => {});
  });
  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data && event.data.type === "geotour:outbox" && flagged()) show().catch(() => {});
    });
  }
}
