// Copy buttons: <button class="copy-button" data-copy-target="ID" data-copied-label="…">.
// Without JavaScript the button stays hidden and the text can still be selected and copied by hand.
(function () {
  "use strict";
  document.querySelectorAll(".copy-button").forEach(function (button) {
    var target = document.getElementById(button.dataset.copyTarget);
    if (!target || !navigator.clipboard) { return; }
    button.classList.remove("d-none");
    var label = button.textContent;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(target.textContent.trim()).then(function () {
        button.textContent = button.dataset.copiedLabel || label;
        setTimeout(function () { button.textContent = label; }, 2000);
      });
    });
  });
})();
