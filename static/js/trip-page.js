/* The trip list's page (templates/trip.html). The phone's own list (/perjalanan) is drawn here from what the
 * phone keeps, offline too: reorder, remove, and the links that share it (?p=…), as WhatsApp, GPX and KML.
 * A shared list (/perjalanan?p=…) is drawn by the server; here it can be added to the phone's own list. */

import { KEY, add, load, move, remove, shareQuery, store } from "geotour/trip-list";

const main = document.querySelector(".gt-trip");
const kinds = JSON.parse(main.dataset.kinds);

const mine = () => load();

function keep(list) {
  store(list); // in private mode the list lasts while the page is open
  document.dispatchEvent(new CustomEvent("geotour:trip", { detail: list }));
}

function button(label, text, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "gt-btn gt-btn--quiet";
  b.textContent = text;
  b.setAttribute("aria-label", label);
  b.addEventListener("click", onClick);
  return b;
}

/* The share section's links name the list as it is now. */
function links(list) {
  const share = main.querySelector(".gt-trip__share");
  if (!share) return;
  share.hidden = !list.length;
  const query = shareQuery(list);
  const page = new URL(main.dataset.page, location.href);
  page.search = query;
  share.querySelector(".gt-trip__link").href = page.pathname + page.search;
  share.querySelector(".gt-trip__gpx").href = page.pathname + ".gpx" + page.search;
  share.querySelector(".gt-trip__kml").href = page.pathname + ".kml" + page.search;
  const text = main.dataset.message.replace("__LINK__", page.href);
  share.querySelector(".gt-trip__wa").href = "https://wa.me/?text=" + encodeURIComponent(text);
}

function draw() {
  const list = mine();
  const ol = main.querySelector(".gt-trip__mine");
  ol.replaceChildren(
    ...list.map((entry, i) => {
      const li = document.createElement("li");
      li.className = "gt-trip__item";
      li.dataset.id = entry.id;
      const a = document.createElement("a");
      a.href = entry.url;
      const strong = document.createElement("strong");
      strong.textContent = entry.name;
      a.append(strong);
      const small = document.createElement("small");
      small.textContent = ` · ${kinds[entry.kind] || ""}`;
      const tools = document.createElement("span");
      tools.className = "gt-trip__tools gt-no-print";
      const change = (next) => () => {
        keep(next(mine()));
        draw();
      };
      if (i > 0)
        tools.append(
          button(
            main.dataset.up,
            "↑",
            change((l) => move(l, entry.id, -1)),
          ),
        );
      if (i < list.length - 1)
        tools.append(
          button(
            main.dataset.down,
            "↓",
            change((l) => move(l, entry.id, 1)),
          ),
        );
      tools.append(
        button(
          main.dataset.remove,
          "×",
          change((l) => remove(l, entry.id)),
        ),
      );
      li.append(a, small, tools);
      return li;
    }),
  );
  ol.hidden = !list.length;
  main.querySelector(".gt-trip__empty").hidden = !!list.length;
  main.querySelector(".gt-trip__offline").hidden = !list.length;
  links(list);
}

if (main.dataset.shared === "true") {
  const keepButton = main.querySelector(".gt-trip__keep");
  if (keepButton) {
    keepButton.hidden = false;
    keepButton.addEventListener("click", () => {
      let list = mine();
      for (const li of main.querySelectorAll("[data-entry]")) list = add(list, JSON.parse(li.dataset.entry));
      keep(list);
      window.Geotour?.page?.save?.(list.map((e) => new URL(e.url, location.href).href));
      main.querySelector(".gt-trip__status").textContent = main.dataset.saved;
    });
  }
} else {
  draw();
  window.addEventListener("storage", (event) => {
    if (event.key === KEY) draw();
  });
}
main.querySelector(".gt-trip__print")?.addEventListener("click", () => window.print());
