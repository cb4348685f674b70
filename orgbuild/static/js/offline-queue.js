// The offline visit queue's core, shared by the pages (static/js/offline.js) and the service worker
// (/sw.js imports it for the Background Sync API): IndexedDB, and sending what it holds.
// No DOM here: it runs in a window and in a worker alike (self.OrgbuildQueue).
// - Every queued visit keeps its own submission key (and its photos as Blobs); the server answers
//   a resend with the first result and records nothing twice, so sending again is always safe.
// - Every request gives up after a timeout (AbortController): on a bad signal ("lie-fi") a request
//   can hang instead of failing; the visit then stays queued and is sent again later.
// - One sender at a time (a Web Lock shared by the pages and the worker).
(function (root) {
  "use strict";

  var DB_NAME = "orgbuild-offline";
  var STORE = "visits";
  var LOCK = "orgbuild-offline-sync";
  var WAITING = ["pending", "auth", "other_user", "sending"];
  var MIN_UPLOAD_RATE = 32 * 1024;  // bytes per second a slow phone link still manages: more time for photos

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

  function withLock(work) {
    var locks = root.navigator && root.navigator.locks;
    return locks ? locks.request(LOCK, work) : Promise.resolve().then(work);
  }

  function fileBytes(item) {
    return (item.files || []).reduce(function (sum, f) { return sum + ((f.blob && f.blob.size) || 0); }, 0);
  }

  // the time a request may take before it is given up: the base, plus the photos at a slow rate
  function timeoutFor(item, baseMs) {
    return baseMs + Math.ceil(fileBytes(item) / MIN_UPLOAD_RATE) * 1000;
  }

  // fetch with a deadline for the answer and its body; rejects {timeout: true} when it passed
  function timedFetch(url, init, ms) {
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timedOut = false;
    var timer = controller ? setTimeout(function () { timedOut = true; controller.abort(); }, ms) : null;
    if (controller) { init.signal = controller.signal; }
    return fetch(url, init).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        return { status: response.status, answer: answer || {} };
      });
    }).then(function (result) {
      clearTimeout(timer);
      return result;
    }, function (error) {
      clearTimeout(timer);
      throw timedOut ? { timeout: true } : error;
    });
  }

  function session(url, ms) {
    return timedFetch(url, {
      credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" }
    }, ms).then(function (result) {
      if (result.status === 401) { return null; }
      if (result.status !== 200) { throw new Error("session " + result.status); }
      return result.answer;
    });
  }

  // one visit to its organisation's sync URL (the form's fields, its files, the queue's key)
  function sendItem(item, token, baseMs, direct) {
    var body = new FormData();
    (item.fields || []).forEach(function (pair) { body.append(pair[0], pair[1]); });
    (item.files || []).forEach(function (f) { body.append(f.field, f.blob, f.filename); });
    body.set("csrf_token", token);
    body.set("submission_key", item.key);
    if (direct) { body.set("direct", "1"); }
    return timedFetch(item.syncUrl, {
      method: "POST", body: body, credentials: "same-origin", redirect: "manual",
      headers: { Accept: "application/json" }
    }, timeoutFor(item, baseMs));
  }

  // Send every waiting visit, oldest first; stops at the first that gets no answer (the connection
  // went, or hangs). Answers {left: visits still waiting for a connection, auth: a sign-in is needed}.
  function syncItems(items, options) {
    var state = { left: 0, auth: false };
    return session(options.sessionUrl, options.timeoutMs).then(function (who) {
      if (!who) {
        state.auth = true;
        return Promise.all(items.map(function (item) { item.state = "auth"; return putItem(item); }));
      }
      var chain = Promise.resolve(true);
      items.forEach(function (item) {
        chain = chain.then(function (goOn) {
          if (!goOn) { state.left += 1; return false; }
          if (item.user && item.user !== who.user) {
            item.state = "other_user";
            return putItem(item).then(function () { return true; });
          }
          return sendItem(item, who.csrf_token, options.timeoutMs, false).then(function (result) {
            var status = result.status, answer = result.answer;
            if (status === 200 || status === 201) {
              item.state = "done"; item.message = answer.message || "";
            } else if (status === 401 || status === 0) {
              item.state = "auth"; item.message = ""; state.auth = true;
              return putItem(item).then(function () { return false; });
            } else if (status >= 500 || status === 429) {
              item.state = "pending"; item.message = ""; state.left += 1;
              return putItem(item).then(function () { return false; });  // try again later
            } else {
              item.state = "refused"; item.message = answer.message || ""; item.status = status;
            }
            return putItem(item).then(function () { return true; });
          }, function () {  // no answer in time, or the connection went: this one and the rest wait
            item.state = "pending"; state.left += 1;
            return putItem(item).then(function () { return false; });
          });
        });
      });
      return chain;
    }, function () {  // the session check got no answer
      state.left = items.filter(function (i) { return i.state === "pending" || i.state === "sending"; }).length;
    }).then(function () { return state; });
  }

  function syncQueue(options) {
    return withLock(function () {
      return allItems().then(function (items) {
        var due = items.filter(function (i) { return WAITING.indexOf(i.state) >= 0; });
        if (!due.length) { return { left: 0, auth: false }; }  // nothing queued: nothing is sent
        return syncItems(due, options);
      });
    });
  }

  root.OrgbuildQueue = {
    allItems: allItems, putItem: putItem, deleteItem: deleteItem, newKey: newKey, withLock: withLock,
    sendItem: sendItem, syncQueue: syncQueue, WAITING: ["pending", "auth", "other_user"]
  };
})(self);
