// The survey form's community choices follow the chosen street: each community option carries
// data-street (its street's id); options of other streets are hidden and disabled. Without
// JavaScript every community of the user's streets stays listed with its street's name, and the
// server refuses a community of another street.
(function () {
  "use strict";
  var street = document.querySelector("select[name=street_id]");
  var community = document.querySelector("select[name=community_id]");
  if (!street || !community) { return; }
  function follow() {
    Array.prototype.forEach.call(community.options, function (option) {
      var own = option.dataset.street;
      var shown = !own || own === street.value;
      option.hidden = !shown;
      option.disabled = !shown;
    });
    var chosen = community.options[community.selectedIndex];
    if (chosen && chosen.disabled) { community.selectedIndex = 0; }
  }
  street.addEventListener("change", follow);
  follow();
})();
