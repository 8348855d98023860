/* Geotour outbox: contributions kept on the phone (IndexedDB, photos as Blobs) until the server has them.
 *
 * The contribution form puts an item here and asks for it to be sent. It is sent by the page when there is
 * signal (at once, on the `online` event, on the next visit) and by the service worker (Background Sync)
 * when the page is gone. Every write carries an Idempotency-Key (the item's id), so a send whose answer was
 * lost is retried without ever storing a second copy. Photos are asked for by the hash of their bytes
 * first, and sent only when the server does not have them yet.
 *
 * Every item carries its owner, the account that wrote it: only that account sees it and sends it. On a
 * phone that members share, what A left waits, locked, while B is signed in, and goes when A is back.
 *
 * A visitor's problem report (kind "report", static/js/report.js) needs no account: it belongs to the phone,
 * is sent whoever is signed in, and never shows in a member's panel. Once sent, its link is kept in the
 * "geotour-reports" store, so the page shows it even when the service worker sent it.
 *
 * Loaded by the contribution pages and by the service worker (importScripts, static/js/offline/worker.js),
 * after idb-keyval. */
(function (root) {
  "use strict";
  var kv = root.idbKeyval;
  var items = kv.createStore("geotour-outbox", "items");
  var sentReports = kv.createStore("geotour-reports", "sent");
  // The service worker's Workbox Queue of this name takes the Background Sync whose tag is Workbox's for it.
  var QUEUE = "geotour-outbox";
  var TAG = "workbox-background-sync:" + QUEUE;
  var API = "/api/v1";
  var PENDING_FLAG = "geotour-outbox-pending"; // lets any page know, without IndexedDB, that work waits
  var flushing = null;

  function newId() {
    if (root.crypto && root.crypto.randomUUID) return root.crypto.randomUUID();
    var bytes = root.crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map
      .call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      })
      .join("");
  }

  function all() {
    return kv.values(items).then(function (found) {
      return found.sort(function (a, b) {
        return a.created - b.created;
      });
    });
  }

  /* Whether an account may see and send an item. An item kept before items had owners belongs to whoever
   * says so (the panel asks: "send it as yours, or delete it"), never silently to the next account. */
  function belongs(item, owner) {
    if (item.kind === "report") return true;
    return owner !== null && owner !== undefined && String(item.owner) === String(owner);
  }

  /* Whether an account may see, retry or delete an item: its own, or one whose owner nobody recorded. */
  function claimable(item, owner) {
    return owner !== null && owner !== undefined && (belongs(item, owner) || item.owner === undefined);
  }

  /* The items of one account, oldest first, and the ones whose owner nobody recorded. */
  function mine(owner) {
    if (owner === null || owner === undefined) return Promise.resolve([]);
    return all().then(function (list) {
      return list.filter(function (item) {
        return item.kind !== "report" && claimable(item, owner);
      });
    });
  }

  /* The account signed in on this browser (the page knows it; the service worker asks), or null. */
  function signedIn(owner) {
    if (owner !== undefined) return Promise.resolve(owner);
    return root
      .fetch(API + "/account", {
        credentials: "same-origin",
        cache: "no-store",
        headers: { Accept: "application/json" },
      })
      .then(
        function (r) {
          return r.ok
            ? r.json().then(function (me) {
                return String(me.id);
              })
            : null;
        },
        function () {
          return null;
        },
      );
  }

  function save(item) {
    return kv.set(item.id, item, items);
  }

  /* Tell pages (and the service worker's clients) that the outbox changed. */
  function changed() {
    return all().then(function (list) {
      var waiting = list.filter(function (i) {
        return i.state !== "failed";
      }).length;
      if (root.localStorage) {
        try {
          if (list.length) root.localStorage.setItem(PENDING_FLAG, String(list.length));
          else root.localStorage.removeItem(PENDING_FLAG);
        } catch (e) {
          /* private mode */
        }
      }
      var detail = { waiting: waiting, failed: list.length - waiting, items: list };
      if (root.document) root.document.dispatchEvent(new CustomEvent("geotour:outbox", { detail: detail }));
      if (root.clients && root.clients.matchAll) {
        root.clients.matchAll({ includeUncontrolled: true }).then(function (pages) {
          pages.forEach(function (page) {
            page.postMessage({ type: "geotour:outbox" });
          });
        });
      }
      return detail;
    });
  }

  /* Ask the service worker to send when the signal returns, even if this page is closed by then. */
  function requestSync() {
    if (!root.navigator || !root.navigator.serviceWorker || root.registration) return Promise.resolve(false);
    return root.navigator.serviceWorker.ready
      .then(function (reg) {
        return reg.sync
          ? reg.sync.register(TAG).then(function () {
              return true;
            })
          : false;
      })
      .catch(function () {
        return false;
      });
  }

  /* Keep a contribution: {owner, layer, feature_id (for a correction), name, properties, geometry,
   * photos: [{blob, name}], csrf}. */
  function add(entry) {
    var item = Object.assign({}, entry, {
      owner: String(entry.owner),
      id: newId(),
      created: Date.now(),
      state: "waiting",
      attempts: 0,
      error: null,
      // the server's errors come back in the page's language, even sent later by the service worker
      lang: entry.lang || (root.document && root.document.documentElement.lang) || null,
    });
    item.photos = (entry.photos || []).map(function (p) {
      return { blob: p.blob, name: p.name, id: null };
    });
    return save(item)
      .then(function () {
        requestSync();
        return changed();
      })
      .then(function () {
        return item;
      });
  }

  function remove(id) {
    return kv.del(id, items).then(changed);
  }

  function hex(buffer) {
    return Array.prototype.map
      .call(new Uint8Array(buffer), function (b) {
        return ("0" + b.toString(16)).slice(-2);
      })
      .join("");
  }

  function sha256(blob) {
    return blob
      .arrayBuffer()
      .then(function (buffer) {
        return root.crypto.subtle.digest("SHA-256", buffer);
      })
      .then(hex);
  }

  /* One request. Resolves {status, body} for any answer; status 0 when the network failed. XHR in a page
   * (it reports upload progress), fetch in the service worker. */
  function send(method, url, options) {
    options = options || {};
    var headers = { Accept: "application/json" };
    if (options.csrf) headers["X-CSRFToken"] = options.csrf;
    if (options.key) headers["Idempotency-Key"] = options.key;
    if (options.lang) headers["Accept-Language"] = options.lang;
    var body = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers["Content-Type"] = "application/json";
    }
    if (root.XMLHttpRequest) {
      return new Promise(function (resolve) {
        var xhr = new root.XMLHttpRequest();
        xhr.open(method, url);
        xhr.withCredentials = true;
        xhr.timeout = options.timeoutMs || 120000;
        Object.keys(headers).forEach(function (name) {
          xhr.setRequestHeader(name, headers[name]);
        });
        if (options.progress && xhr.upload) {
          xhr.upload.onprogress = function (e) {
            if (e.lengthComputable) options.progress(e.loaded, e.total);
          };
        }
        xhr.onload = function () {
          var parsed = null;
          try {
            parsed = JSON.parse(xhr.responseText);
          } catch (e) {
            parsed = null;
          }
          resolve({ status: xhr.status, body: parsed });
        };
        xhr.onerror =
          xhr.ontimeout =
          xhr.onabort =
            function () {
              resolve({ status: 0, body: null });
            };
        xhr.send(body === undefined ? null : body);
      });
    }
    return root.fetch(url, { method: method, headers: headers, body: body, credentials: "same-origin" }).then(
      function (r) {
        return r
          .json()
          .catch(function () {
            return null;
          })
          .then(function (parsed) {
            return { status: r.status, body: parsed };
          });
      },
      function () {
        return { status: 0, body: null };
      },
    );
  }

  function errorCode(answer) {
    return answer.body && answer.body.error ? answer.body.error.code : null;
  }

  /* Whether trying again later may work: no signal, the server busy or down, a key still in progress. */
  function transient(answer) {
    return (
      answer.status === 0 ||
      answer.status === 408 ||
      answer.status === 429 ||
      answer.status >= 500 ||
      errorCode(answer) === "idempotency_key_in_progress"
    );
  }

  function Problem(answer) {
    this.answer = answer;
    this.transient = transient(answer);
    var error = answer.body && answer.body.error;
    this.message = error ? error.message : null;
    this.problems = error && error.problems ? error.problems : [];
  }

  function sendPhoto(item, index, progress) {
    var photo = item.photos[index];
    if (photo.id) return Promise.resolve();
    return sha256(photo.blob)
      .then(function (hash) {
        return send("GET", API + "/photos/sources/" + hash).then(function (known) {
          if (known.status === 200 && known.body && known.body.stored) return known; // the server has it: not sent again
          var form = new FormData();
          form.append("photo", photo.blob, photo.name || "photo.jpg");
          return send("POST", API + "/photos", {
            body: form,
            csrf: item.csrf,
            key: item.id + ":photo:" + index,
            lang: item.lang,
            progress:
              progress &&
              function (loaded, total) {
                progress(index, loaded, total);
              },
          });
        });
      })
      .then(function (answer) {
        if (answer.status !== 200 && answer.status !== 201) throw new Problem(answer);
        photo.id = answer.body.id;
        return save(item);
      });
  }

  function sendPhotos(item, progress) {
    return item.photos.reduce(function (chain, _, index) {
      return chain.then(function () {
        return sendPhoto(item, index, progress);
      });
    }, Promise.resolve());
  }

  function sendFeature(item) {
    var properties = Object.assign({}, item.properties, {
      photos: item.photos.map(function (p) {
        return p.id;
      }),
    });
    var url = API + "/submissions",
      method = "POST";
    if (item.feature_id) {
      url = API + "/features/" + encodeURIComponent(item.feature_id);
      method = "PATCH";
    } else properties.layer = item.layer;
    return send(method, url, {
      json: { type: "Feature", properties: properties, geometry: item.geometry },
      csrf: item.csrf,
      key: item.id,
      lang: item.lang,
    }).then(function (answer) {
      var stored =
        answer.status === 200 ||
        answer.status === 201 ||
        errorCode(answer) === "idempotency_key_already_stored";
      if (!stored) throw new Problem(answer);
      var created = answer.body && answer.body.submissions ? answer.body.submissions[0] : null;
      return created ? created.id : null;
    });
  }

  /* A visitor's report: one form (its photo in it), keyed, so a retry never stores it twice. Its answer,
   * with the sender's link, is kept in the sent store. */
  function sendReport(item) {
    var form = new FormData();
    Object.keys(item.fields).forEach(function (name) {
      if (item.fields[name] !== null && item.fields[name] !== undefined) form.append(name, item.fields[name]);
    });
    if (item.photos.length) form.append("photo", item.photos[0].blob, item.photos[0].name || "photo.jpg");
    return send("POST", item.url, { body: form, key: item.id, lang: item.lang }).then(function (answer) {
      if (answer.status !== 200 && answer.status !== 201) throw new Problem(answer);
      var kept = Object.assign({}, answer.body, { place_name: item.name, sent: Date.now() });
      return kv.set(item.id, kept, sentReports).then(function () {
        return answer.body.id;
      });
    });
  }

  /* The reports this phone sent (newest first): {id, link, place, place_name, category, status, sent}. */
  function reportsSent() {
    return kv.values(sentReports).then(function (found) {
      return found.sort(function (a, b) {
        return b.sent - a.sent;
      });
    });
  }

  /* Send one item: its photos, then the feature (a report: in one form). Resolves "sent", "waiting" (try
   * later) or "failed". */
  function sendItem(item, progress) {
    item.state = "sending";
    item.attempts += 1;
    return save(item)
      .then(function () {
        return item.kind === "report"
          ? sendReport(item)
          : sendPhotos(item, progress).then(function () {
              return sendFeature(item);
            });
      })
      .then(
        function (submissionId) {
          return kv.del(item.id, items).then(function () {
            item.state = "sent";
            item.submission_id = submissionId;
            return "sent";
          });
        },
        function (problem) {
          if (!(problem instanceof Problem)) problem = new Problem({ status: 0, body: null });
          item.state = problem.transient ? "waiting" : "failed";
          item.error = problem.transient ? null : problem.message; // the server's words, in the page's language
          item.status = problem.answer.status; // for a refusal without words (the front server's own 413)
          item.problems = problem.problems;
          return save(item).then(function () {
            return item.state;
          });
        },
      );
  }

  /* Send everything of the signed-in account (options.owner, else asked) that waits, oldest first; stop
   * at the first sign of no signal. Resolves {sent: [items], waiting: n, failed: n}; others' items are
   * neither sent nor counted. One flush at a time in each page or worker. */
  function flush(options) {
    options = options || {};
    if (flushing) return flushing;
    var result = { sent: [], waiting: 0, failed: 0 };
    var owner = options.reportsOnly ? Promise.resolve(null) : signedIn(options.owner);
    flushing = Promise.all([all(), owner])
      .then(function (found) {
        var owner = found[1];
        return found[0].reduce(function (chain, item) {
          return chain.then(function (stop) {
            if (item.kind !== "report" && options.reportsOnly) return stop;
            if (!belongs(item, owner)) {
              if (owner === null && item.owner !== undefined) result.waiting += 1; // signed out or no signal: later
              return stop;
            }
            if (item.state === "failed") {
              result.failed += 1;
              return stop;
            }
            if (stop) {
              result.waiting += 1;
              return stop;
            }
            if (options.csrf) item.csrf = options.csrf; // a page that is open has a fresh token
            return sendItem(
              item,
              options.progress &&
                function (i, loaded, total) {
                  options.progress(item, i, loaded, total);
                },
            ).then(function (state) {
              if (state === "sent") result.sent.push(item);
              else if (state === "failed") result.failed += 1;
              else {
                result.waiting += 1;
                return true;
              }
              return false;
            });
          });
        }, Promise.resolve(false));
      })
      .then(function () {
        return changed();
      })
      .then(
        function () {
          flushing = null;
          return result;
        },
        function (error) {
          flushing = null;
          throw error;
        },
      );
    return flushing;
  }

  /* Put a failed item of `owner` back in line (after the member fixed what the server said, or signed in
   * again); an item with no recorded owner becomes theirs, as they asked. */
  function retry(id, owner) {
    return kv.get(id, items).then(function (item) {
      if (!item || !claimable(item, owner)) return null;
      item.owner = String(owner);
      item.state = "waiting";
      item.error = null;
      return save(item);
    });
  }

  /* Delete an item of `owner` (or one with no recorded owner). */
  function removeOwn(id, owner) {
    return kv.get(id, items).then(function (item) {
      if (item && claimable(item, owner)) return remove(id);
      return null;
    });
  }

  root.GeotourOutbox = {
    add: add,
    all: all,
    mine: mine,
    reportsSent: reportsSent,
    remove: removeOwn,
    flush: flush,
    retry: retry,
    requestSync: requestSync,
    changed: changed,
    QUEUE: QUEUE,
    TAG: TAG,
    PENDING_FLAG: PENDING_FLAG,
  };
})(self);
