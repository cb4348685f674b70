// Offline visits (the page side of the progressive web app; the service worker is /sw.js).
// - registers the service worker and, on the follow-up list, asks it to store the pages the list
//   links to (each organisation and its visit form), so that they open without a connection;
// - a visit form sent while the browser is offline is kept in IndexedDB with a submission key of
//   its own, and shown in the queue panel ("待同步 N 条", #offline-queue in base.html);
// - when the connection returns (and on every page load), the queue is sent: first a fresh CSRF
//   token from /offline/session (401 there: the sign-in has expired, the queue waits for the officer
//   to sign in again), then each visit to its organisation's sync URL. The server answers each
//   once (the key makes a resend harmless); a refusal is kept with the server's reason until the
//   officer deletes it: nothing is dropped silently.
(function () {
  "use strict";

  var panel = document.getElementById("offline-queue");
  if (!panel || !("indexedDB" in window)) { return; }
  var TEXT = JSON.parse(panel.getAttribute("data-text") || "{}");
  var DB_NAME = "orgbuild-offline";
  var STORE = "visits";

  function t(key, values) {
    var text = TEXT[key] || key;
    Object.keys(values || {}).forEach(function (name) { text = text.split("{" + name + "}").join(values[name]); });
    return text;
  }

  // --- IndexedDB ------------------------------------------------------------------------------
  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "key" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(result && result.result !== undefined ? result.result : result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function allItems() {
    return withStore("readonly", function (store) { return store.getAll(); }).then(function (items) {
      return (items || []).sort(function (a, b) { return a.queuedAt - b.queuedAt; });
    });
  }
  function putItem(item) { return withStore("readwrite", function (store) { store.put(item); }); }
  function deleteItem(key) { return withStore("readwrite", function (store) { store["delete"](key); }); }

  function newKey() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // --- the panel ------------------------------------------------------------------------------
  var WAITING = ["pending", "auth", "other_user"];

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function render() {
    return allItems().then(function (items) {
      var waiting = items.filter(function (i) { return WAITING.indexOf(i.state) >= 0; }).length;
      panel.hidden = items.length === 0;
      panel.setAttribute("data-pending", String(waiting));
      panel.textContent = "";
      var head = el("div", "d-flex flex-wrap justify-content-between align-items-center gap-2 mb-2");
      var title = el("div", "");
      title.appendChild(el("strong", "offline-count", t("pending", { n: waiting })));
      if (!navigator.onLine) { title.appendChild(el("span", "badge text-bg-secondary ms-2 offline-now", t("offline_now"))); }
      head.appendChild(title);
      var buttons = el("div", "d-flex gap-2");
      if (waiting) {
        var now = el("button", "btn btn-sm btn-primary offline-sync", t("sync_now"));
        now.type = "button";
        now.addEventListener("click", function () { sync(); });
        buttons.appendChild(now);
      }
      if (items.some(function (i) { return i.state === "done"; })) {
        var clear = el("button", "btn btn-sm btn-outline-secondary offline-clear", t("clear_done"));
        clear.type = "button";
        clear.addEventListener("click", function () {
          Promise.all(items.filter(function (i) { return i.state === "done"; }).map(function (i) { return deleteItem(i.key); }))
            .then(render);
        });
        buttons.appendChild(clear);
      }
      head.appendChild(buttons);
      panel.appendChild(head);
      if (items.some(function (i) { return i.state === "auth"; })) {
        var login = el("div", "alert alert-warning py-2 mb-2 offline-signin");
        login.appendChild(document.createTextNode(t("auth") + " "));
        var link = el("a", "alert-link", t("sign_in"));
        link.href = panel.getAttribute("data-login-url");
        login.appendChild(link);
        panel.appendChild(login);
      }
      var list = el("ul", "list-group offline-items");
      items.forEach(function (item) { list.appendChild(renderItem(item)); });
      panel.appendChild(list);
    });
  }

  function renderItem(item) {
    var tone = { done: "list-group-item-success", refused: "list-group-item-danger" }[item.state] || "";
    var li = el("li", "list-group-item offline-item offline-" + item.state + " " + tone);
    li.setAttribute("data-key", item.key);
    var title = el("div", "fw-bold");
    var link = el("a", "", item.orgName);
    link.href = item.orgUrl;
    title.appendChild(link);
    li.appendChild(title);
    li.appendChild(el("div", "small", t("visit_line", { date: item.visitDate || "—", outcome: item.outcomeLabel || "—" })));
    var state = {
      pending: t("state_pending"), sending: t("state_sending"), auth: t("state_auth"),
      other_user: t("state_other_user", { user: item.user }),
      done: item.message || t("state_done"), refused: t("state_refused", { reason: item.message || "" })
    }[item.state] || item.state;
    li.appendChild(el("div", "small offline-state", state));
    if (item.state === "refused") {
      if (item.notes) { li.appendChild(el("div", "small text-break", t("notes", { notes: item.notes }))); }
      var drop = el("button", "btn btn-sm btn-outline-danger mt-1 offline-delete", t("delete"));
      drop.type = "button";
      drop.addEventListener("click", function () {
        if (window.confirm(t("confirm_delete"))) { deleteItem(item.key).then(render); }
      });
      li.appendChild(drop);
    }
    return li;
  }

  // --- queueing a visit form sent offline ------------------------------------------------------
  function fieldValue(form, name) {
    var input = form.elements.namedItem(name);
    return input ? input.value : "";
  }

  function queueVisit(form) {
    var outcome = form.elements.namedItem("outcome");
    if (!fieldValue(form, "visit_date")) { window.alert(t("need_date")); return Promise.resolve(false); }
    if (!outcome || !outcome.value) { window.alert(t("need_outcome")); return Promise.resolve(false); }
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string" && name !== "csrf_token" && name !== "submission_key") { fields.push([name, value]); }
    });
    var item = {
      key: newKey(),  // a key of its own: the cached form's key may have been used by an earlier visit
      user: form.getAttribute("data-user"),
      orgName: form.getAttribute("data-org-name"),
      orgUrl: form.getAttribute("data-org-url"),
      syncUrl: form.getAttribute("data-offline-sync"),
      fields: fields,
      visitDate: fieldValue(form, "visit_date"),
      outcomeLabel: outcome.options[outcome.selectedIndex].text,
      notes: fieldValue(form, "notes"),
      queuedAt: Date.now(),
      state: "pending",
      message: ""
    };
    return putItem(item).then(function () { return true; });
  }

  function watchVisitForm() {
    var form = document.querySelector("form[data-offline-sync]");
    if (!form) { return; }
    form.addEventListener("submit", function (event) {
      if (navigator.onLine) { return; }  // with a connection the form is sent as usual
      event.preventDefault();
      queueVisit(form).then(function (queued) {
        if (!queued) { return; }
        form.reset();
        var note = document.getElementById("offline-saved");
        if (note) { note.hidden = false; }
        render();
        window.scrollTo(0, 0);
      });
    });
  }

  // --- sending the queue ----------------------------------------------------------------------
  var syncing = false;

  function session() {
    return fetch(panel.getAttribute("data-session-url"), {
      credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" }
    }).then(function (response) {
      if (response.status === 401) { return null; }
      if (!response.ok) { throw new Error("session " + response.status); }
      return response.json();
    });
  }

  function send(item, token) {
    var body = new URLSearchParams();
    item.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
    body.set("csrf_token", token);
    body.set("submission_key", item.key);
    return fetch(item.syncUrl, {
      method: "POST", body: body, credentials: "same-origin", redirect: "manual",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        return { status: response.status, answer: answer };
      });
    });
  }

  function syncItems(items) {
    return session().then(function (who) {
      if (!who) {
        return Promise.all(items.map(function (item) { item.state = "auth"; return putItem(item); }));
      }
      var chain = Promise.resolve(true);
      items.forEach(function (item) {
        chain = chain.then(function (goOn) {
          if (!goOn) { return false; }
          if (item.user && item.user !== who.user) { item.state = "other_user"; return putItem(item).then(function () { return true; }); }
          return send(item, who.csrf_token).then(function (result) {
            var status = result.status, answer = result.answer || {};
            if (status === 200 || status === 201) {
              item.state = "done"; item.message = answer.message || "";
            } else if (status === 401 || status === 0) {
              item.state = "auth"; item.message = "";
              return putItem(item).then(function () { return false; });
            } else if (status >= 500 || status === 429) {
              item.state = "pending"; item.message = "";
              return putItem(item).then(function () { return false; });  // try again later
            } else {
              item.state = "refused"; item.message = answer.message || t("refused_unknown", { status: status });
            }
            return putItem(item).then(function () { return true; });
          }, function () { return false; });  // the connection went again: the rest waits
        });
      });
      return chain;
    });
  }

  function sync() {
    if (syncing || !navigator.onLine) { return Promise.resolve(); }
    syncing = true;
    var run = function () {
      return allItems().then(function (items) {
        var due = items.filter(function (i) { return WAITING.indexOf(i.state) >= 0 || i.state === "sending"; });
        if (!due.length) { return null; }  // nothing queued: nothing is sent
        return syncItems(due);
      });
    };
    var locked = navigator.locks ? navigator.locks.request("orgbuild-offline-sync", run) : run();
    return Promise.resolve(locked).catch(function () { return null; }).then(function () {
      syncing = false;
      return render();
    });
  }

  // --- the service worker -----------------------------------------------------------------------
  function askWorker(message) {
    if (!("serviceWorker" in navigator)) { return Promise.resolve(null); }
    return navigator.serviceWorker.ready.then(function (registration) {
      var worker = registration.active;
      if (!worker) { return null; }
      return new Promise(function (resolve) {
        var channel = new MessageChannel();
        channel.port1.onmessage = function (event) { resolve(event.data); };
        worker.postMessage(message, [channel.port2]);
      });
    });
  }

  function startWorker() {
    if (!("serviceWorker" in navigator)) { return; }
    navigator.serviceWorker.register(panel.getAttribute("data-worker-url"), { scope: "/" }).then(function () {
      if (!document.querySelector(".followups") || !navigator.onLine) {
        document.documentElement.setAttribute("data-offline-ready", "1");
        return;
      }
      // the list itself and the visit form of each organisation on it (an organisation's own page
      // is stored whenever it is opened online)
      var urls = [location.pathname];
      document.querySelectorAll(".followups a[href$='/step/record_visit']").forEach(function (a) { urls.push(a.getAttribute("href")); });
      askWorker({ type: "warm", urls: urls }).then(function (answer) {
        document.documentElement.setAttribute("data-offline-ready", String(answer ? answer.stored : 0));
      });
    }).catch(function () { /* no worker (e.g. a private window): the queue still works */ });
  }

  document.querySelectorAll("form[action$='/logout']").forEach(function (form) {
    form.addEventListener("submit", function () {
      var worker = navigator.serviceWorker && navigator.serviceWorker.controller;
      if (worker) { worker.postMessage({ type: "forget" }); }  // the stored pages are this account's
    });
  });

  window.addEventListener("online", function () { sync(); });
  window.addEventListener("offline", function () { render(); });
  watchVisitForm();
  startWorker();
  render().then(function () { return sync(); });
})();
