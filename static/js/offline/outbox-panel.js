/* What waits in the outbox, shown on every contributor page: "2 submissions are waiting for signal", and
 * each one that failed with the server's own message, to try again or delete. It also sends what waits
 * when a contributor page opens and when the signal returns. It shows and sends only the items of the
 * account signed in here (data-account). Text goes in with textContent only. An ES module; the
 * contribution form reaches it as window.Geotour.outboxPanel. */
(function () {
  var panel = document.querySelector(".gt-outbox");
  if (!panel || !window.GeotourOutbox) return;
  var t = JSON.parse(panel.getAttribute("data-t"));
  var csrf = document.querySelector('meta[name="csrf-token"]');
  var owner = panel.getAttribute("data-account") || null; // signed out: nothing here is ours to show
  var RETRY_EVERY_MS = 30000;

  /* Why an item was not sent: the server's own message, else words for the status it answered with. */
  function reason(item) {
    if (item.owner === undefined) return t.unknown_owner;
    if (item.error) return item.error;
    return item.status === 413 ? t.too_large : t.refused.replace("__STATUS__", String(item.status || ""));
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      node.setAttribute(name, attrs[name]);
    });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function button(label, action) {
    var b = el("button", { type: "button", class: "gt-button gt-button--quiet" }, label);
    b.addEventListener("click", action);
    return b;
  }

  function render(list) {
    panel.textContent = "";
    // An item kept before items had owners waits for someone to say it is theirs.
    var waiting = list.filter(function (i) {
      return i.state !== "failed" && i.owner !== undefined;
    });
    var failed = list.filter(function (i) {
      return i.state === "failed" || i.owner === undefined;
    });
    panel.hidden = !list.length;
    if (waiting.length) {
      var text = waiting.length === 1 ? t.waiting_one : t.waiting_many.replace("__N__", waiting.length);
      panel.appendChild(el("p", { class: "gt-outbox__waiting" }, text));
    }
    failed.forEach(function (item) {
      var box = el("div", { class: "gt-outbox__failed", "data-id": item.id });
      box.appendChild(
        el("p", { class: "gt-outbox__name" }, (item.properties && item.properties.name) || t.unnamed),
      );
      box.appendChild(
        el("p", { class: "gt-problem gt-problem--error" }, t.failed.replace("__REASON__", reason(item))),
      );
      (item.problems || []).forEach(function (problem) {
        if (problem.message && problem.message !== item.error)
          box.appendChild(el("p", { class: "gt-problem" }, problem.message));
      });
      box.appendChild(
        button(item.owner === undefined ? t.send_as_mine : t.retry, function () {
          GeotourOutbox.retry(item.id, owner).then(send);
        }),
      );
      box.appendChild(
        button(t.remove, function () {
          if (window.confirm(t.remove_confirm)) GeotourOutbox.remove(item.id, owner);
        }),
      );
      panel.appendChild(box);
    });
  }

  function refresh() {
    return GeotourOutbox.mine(owner).then(render);
  }

  function send() {
    if (!navigator.onLine) return refresh();
    return GeotourOutbox.flush({ csrf: csrf ? csrf.content : null, owner: owner }).then(refresh, refresh);
  }

  document.addEventListener("geotour:outbox", refresh);
  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "geotour:outbox") refresh();
    });
  }
  window.addEventListener("online", send);
  // Signing out: the service worker drops any personal answer an older version of it kept.
  Array.prototype.forEach.call(document.querySelectorAll('form[action$="/logout"]'), function (form) {
    form.addEventListener("submit", function () {
      if (navigator.serviceWorker && navigator.serviceWorker.controller) {
        navigator.serviceWorker.controller.postMessage({ type: "signed-out" });
      }
    });
  });
  // A weak link can fail a send without the phone ever saying "offline": try again now and then.
  setInterval(function () {
    GeotourOutbox.mine(owner).then(function (list) {
      if (
        list.some(function (i) {
          return i.state !== "failed" && i.owner !== undefined;
        })
      )
        send();
    });
  }, RETRY_EVERY_MS);
  (window.Geotour ??= {}).outboxPanel = {
    refresh: refresh,
    send: send,
    strings: t,
    reason: reason,
    owner: owner,
  };
  send();
})();
