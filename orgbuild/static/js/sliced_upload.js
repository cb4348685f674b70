// The import page's upload form, for a survey file of any size: the file goes to the server in
// slices (each a short request, with its SHA-256 where the browser can compute one: secure contexts),
// then the server checks the size and queues the preview job, whose page this script opens.
// A slice whose answer is lost is sent again; the server answers how much it holds, and sending
// resumes from there. Without JavaScript, fetch or Blob.slice the form posts the file in one request.
(function () {
  "use strict";
  var form = document.querySelector("form[data-sliced-start]");
  if (!form || !window.fetch || !window.URLSearchParams || !window.Blob || !Blob.prototype.slice) { return; }
  var input = form.querySelector("input[type=file]");
  var csrf = form.querySelector("input[name=csrf_token]");
  var box = form.querySelector(".sliced-upload");
  var bar = box && box.querySelector(".progress-bar");
  var status = box && box.querySelector(".sliced-status");
  var button = form.querySelector("button[type=submit]");
  var subtle = window.isSecureContext && window.crypto && window.crypto.subtle;
  var TRIES = 4;

  function say(text, failed) {
    box.classList.remove("d-none");
    status.textContent = text;
    status.classList.toggle("text-danger", !!failed);
  }

  function megabytes(bytes) { return (bytes / 1048576).toFixed(1); }

  function moved(done, total) {
    bar.style.width = (total ? Math.round(done * 100 / total) : 100) + "%";
    say(form.dataset.msgSending.replace("{done}", megabytes(done)).replace("{total}", megabytes(total)));
  }

  function post(url, body, type, sha) {
    var headers = {"Accept": "application/json", "X-CSRFToken": csrf ? csrf.value : ""};
    if (type) { headers["Content-Type"] = type; }
    if (sha) { headers["X-Slice-SHA256"] = sha; }
    return fetch(url, {method: "POST", credentials: "same-origin", headers: headers, body: body})
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (answer) {
          answer.httpStatus = response.status;
          return answer;
        });
      });
  }

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function digest(blob) {
    if (!subtle || !blob.arrayBuffer) { return Promise.resolve(null); }
    return blob.arrayBuffer().then(function (bytes) { return subtle.digest("SHA-256", bytes); }).then(hex)
      .catch(function () { return null; });
  }

  function pause(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  function sendSlice(upload, file, offset, tries) {
    var blob = file.slice(offset, Math.min(file.size, offset + upload.slice_bytes));
    return digest(blob).then(function (sha) {
      return post(upload.slice_url + "?offset=" + offset, blob, "application/octet-stream", sha);
    }).then(function (answer) {
      if (answer.httpStatus === 200) { return answer.size; }
      if (answer.httpStatus === 409 && typeof answer.size === "number") { return answer.size; }
      if (tries < TRIES && (answer.httpStatus >= 500 || (answer.httpStatus === 400 && answer.size === offset))) {
        return pause(500 * tries).then(function () { return sendSlice(upload, file, offset, tries + 1); });
      }
      throw new Error(answer.error || String(answer.httpStatus));
    }, function () {
      if (tries < TRIES) {
        return pause(1000 * tries).then(function () { return sendSlice(upload, file, offset, tries + 1); });
      }
      throw new Error(form.dataset.msgNetwork);
    });
  }

  function sendFrom(upload, file, offset) {
    moved(offset, file.size);
    if (offset >= file.size) { return Promise.resolve(); }
    return sendSlice(upload, file, offset, 1).then(function (held) { return sendFrom(upload, file, held); });
  }

  function plainPost() {
    HTMLFormElement.prototype.submit.call(form);
  }

  form.addEventListener("submit", function (event) {
    var file = input && input.files && input.files[0];
    if (!file) { return; }  // the server says a file is needed
    event.preventDefault();
    button.disabled = true;
    var start = new URLSearchParams();
    start.append("csrf_token", csrf ? csrf.value : "");
    start.append("name", file.name);
    start.append("size", String(file.size));
    ["encoding", "sheet"].forEach(function (name) {
      var element = form.elements[name];
      if (element) { start.append(name, element.value); }
    });
    post(form.dataset.slicedStart, start.toString(), "application/x-www-form-urlencoded")
      .catch(function () { return null; })
      .then(function (upload) {
        if (!upload || upload.httpStatus === 404 || upload.httpStatus === 405) { plainPost(); return; }
        if (upload.httpStatus !== 201) { throw new Error(upload.error || String(upload.httpStatus)); }
        return sendFrom(upload, file, 0)
          .then(function () { return post(upload.finish_url, "csrf_token=" + encodeURIComponent(csrf ? csrf.value : ""),
                                          "application/x-www-form-urlencoded"); })
          .then(function (done) {
            if (!done.job_url) { throw new Error(done.error || String(done.httpStatus)); }
            say(form.dataset.msgChecking);
            window.location.assign(done.job_url);
          });
      })
      .catch(function (error) {
        say(form.dataset.msgFailed + error.message, true);
        button.disabled = false;
      });
  });
})();
