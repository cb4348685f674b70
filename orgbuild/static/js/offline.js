// Offline visits (the page side of the progressive web app; the service worker is /sw.js).
// - registers the service worker and, on the follow-up list, asks it to store the pages the list
//   links to (each organisation and its visit form), so that they open without a connection;
// - a visit form sent while the browser is offline is kept in IndexedDB with a submission key of
//   its own, and shown in the queue panel ("待同步 N 条", #offline-queue in base.html);
// - online, the visit form is sent by this script too (to the same sync URL, with a key of its own
//   and a deadline: AbortController). A bad signal where the request hangs ("lie-fi") then queues
//   the visit like an offline one, with the same key: if the first request did arrive, the resend
//   answers its result and records nothing twice. Photos chosen on the form are kept with the
//   visit (Blobs in IndexedDB) and sent with it, in the same request;
// - the queue is sent by the service worker's Background Sync where the browser has it (also with
//   the page closed), and by the page when the connection returns, on every page load and after a
//   timeout (a retry): first a fresh CSRF token from /offline/session (401 there: the sign-in has
//   expired, the queue waits for the officer to sign in again), then each visit to its
//   organisation's sync URL. The server answers each once (the key makes a resend harmless); a
//   refusal is kept with the server's reason until the officer deletes it: nothing is dropped
//   silently. (The queue itself: static/js/offline-queue.js, shared with the worker.)
(function () {
  "use strict";

  var panel = document.getElementById("offline-queue");
  var Q = window.OrgbuildQueue;
  if (!panel || !("indexedDB" in window) || !Q) { return; }
  var TEXT = JSON.parse(panel.getAttribute("data-text") || "{}");
  var TIMEOUT_MS = Number(panel.getAttribute("data-timeout-ms")) || 15000;
  var SYNC_TAG = "orgbuild-visits";

  function t(key, values) {
    var text = TEXT[key] || key;
    Object.keys(values || {}).forEach(function (name) { text = text.split("{" + name + "}").join(values[name]); });
    return text;
  }

  var allItems = Q.allItems, putItem = Q.putItem, deleteItem = Q.deleteItem, newKey = Q.newKey;

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
      // a visit form being sent online is not shown unless it has to wait
      items = items.filter(function (i) { return !(i.direct && i.state === "sending"); });
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
    if (item.files && item.files.length) {
      li.appendChild(el("div", "small offline-files", t("files", {
        n: item.files.length, names: item.files.map(function (f) { return f.filename; }).join("、") })));
    }
    var state = {
      pending: t("state_pending"), sending: t("state_sending"), auth: t("state_auth"),
      other_user: t("state_other_user", { user: item.user }),
      done: item.message || t("state_done"),
      refused: t("state_refused", { reason: item.message || t("refused_unknown", { status: item.status || "?" }) })
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

  // the visit the form holds, as the queue keeps it (with its photos), or null when incomplete
  // (online, `quiet`: an incomplete form is left to the server, which marks the fields)
  function visitItem(form, quiet) {
    var outcome = form.elements.namedItem("outcome");
    var say = quiet ? function () {} : function (text) { window.alert(text); };
    if (!fieldValue(form, "visit_date")) { say(t("need_date")); return null; }
    if (!outcome || !outcome.value) { say(t("need_outcome")); return null; }
    var fields = [], files = [];
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string") {
        if (name !== "csrf_token" && name !== "submission_key") { fields.push([name, value]); }
      } else if (value && value.size) {  // a chosen photo or scan: kept as a Blob in IndexedDB
        files.push({ field: name, blob: value, filename: value.name || "photo.jpg" });
      }
    });
    return {
      key: newKey(),  // a key of its own: a cached form's key may have been used by an earlier visit
      user: form.getAttribute("data-user"),
      orgName: form.getAttribute("data-org-name"),
      orgUrl: form.getAttribute("data-org-url"),
      syncUrl: form.getAttribute("data-offline-sync"),
      fields: fields,
      files: files,
      visitDate: fieldValue(form, "visit_date"),
      outcomeLabel: outcome.options[outcome.selectedIndex].text,
      notes: fieldValue(form, "notes"),
      queuedAt: Date.now(),
      state: "pending",
      message: ""
    };
  }

  function showQueued(form) {
    form.reset();
    var note = document.getElementById("offline-saved");
    if (note) { note.hidden = false; }
    return render().then(function () { window.scrollTo(0, 0); });
  }

  // The form sent online, within the deadline. The visit is in IndexedDB before the request leaves
  // (a page closed meanwhile loses nothing); its answer decides what becomes of it, under the
  // queue's lock (no other sender picks it up meanwhile).
  function submitOnline(form, item) {
    var token = fieldValue(form, "csrf_token");
    item.state = "sending";
    item.direct = true;
    var wait = function (state) {
      item.state = state;
      item.direct = false;
      return putItem(item).then(function () { return { queued: true }; });
    };
    return putItem(item).then(function () {
      return Q.withLock(function () {
        return Q.sendItem(item, token, TIMEOUT_MS, true).then(function (result) {
          var status = result.status;
          if (status === 200 || status === 201) {  // recorded (or recorded before): on to its page
            return deleteItem(item.key).then(function () { return { url: result.answer.url || item.orgUrl }; });
          }
          if (status === 404 || status === 409 || status === 422) {  // refused, nothing recorded
            return deleteItem(item.key).then(function () { return { refused: true }; });
          }
          return wait(status === 401 ? "auth" : "pending");  // signed out, a server error, a stale token
        }, function () { return wait("pending"); });  // no answer in time, or the connection went
      });
    }).then(function (outcome) {
      if (outcome.url) { window.location.assign(outcome.url); return null; }
      if (outcome.refused) { nativeSubmit(form, item.key); return null; }  // the form shows why
      requestSync();
      return showQueued(form);
    });
  }

  function nativeSubmit(form, key) {
    var input = form.elements.namedItem("submission_key");
    if (input) { input.value = key; }
    form.removeAttribute("data-sending");
    HTMLFormElement.prototype.submit.call(form);  // no submit event: not intercepted again
  }

  function watchVisitForm() {
    var form = document.querySelector("form[data-offline-sync]");
    if (!form) { return; }
    form.addEventListener("submit", function (event) {
      var online = navigator.onLine;
      if (online && typeof AbortController !== "function") { return; }  // an old browser: sent as usual
      if (form.hasAttribute("data-sending")) { event.preventDefault(); return; }  // a second tap meanwhile
      var item = visitItem(form, online);
      if (!item) {
        if (!online) { event.preventDefault(); }
        return;  // online: the server's answer marks what is missing
      }
      event.preventDefault();
      form.setAttribute("data-sending", "1");
      var done = online ? submitOnline(form, item)
        : putItem(item).then(function () { requestSync(); return showQueued(form); });
      done.then(function () { form.removeAttribute("data-sending"); },
        function () { form.removeAttribute("data-sending"); });
    });
  }

  // --- sending the queue ----------------------------------------------------------------------
  var syncing = false;
  var retryTimer = null;
  var retryDelay = 5000;

  // Ask the service worker to send the queue (Background Sync: also once the page is closed, and
  // the browser retries), and, as the fallback where there is none, send it from the page later.
  function requestSync() {
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.ready.then(function (registration) {
        if (registration.sync && registration.sync.register) { return registration.sync.register(SYNC_TAG); }
      }).catch(function () { /* no Background Sync here: the page's own retries send it */ });
    }
    scheduleRetry();
  }

  function scheduleRetry() {
    if (retryTimer) { return; }
    retryTimer = setTimeout(function () {
      retryTimer = null;
      sync();
    }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 120000);
  }

  function sync() {
    if (syncing || !navigator.onLine) { return Promise.resolve(); }
    syncing = true;
    return Q.syncQueue({ sessionUrl: panel.getAttribute("data-session-url"), timeoutMs: TIMEOUT_MS })
      .catch(function () { return { left: 1 }; })
      .then(function (state) {
        syncing = false;
        if (state && state.left) { scheduleRetry(); } else { retryDelay = 5000; }
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

  if ("serviceWorker" in navigator) {  // the worker sent (part of) the queue: show the results
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "queue-changed") { render(); }
    });
  }
  window.addEventListener("online", function () { sync(); });
  window.addEventListener("offline", function () { render(); });
  watchVisitForm();
  startWorker();
  render().then(function () { return sync(); });
})();
