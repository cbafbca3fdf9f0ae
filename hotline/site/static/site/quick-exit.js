/* Quick exit: leave at once for a neutral site and replace this page in the history, so that
   "Back" does not return here. The link works without this script (as a plain link, which does
   keep this page in the history). Escape pressed twice does the same. */
(function () {
  "use strict";
  var link = document.getElementById("quick-exit");
  if (!link) {
    return;
  }
  function leave(event) {
    if (event) {
      event.preventDefault();
    }
    document.title = "";
    document.body.hidden = true;
    window.location.replace(link.href);
  }
  link.addEventListener("click", leave);
  var lastEscape = 0;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" && event.key !== "Esc") {
      return;
    }
    var now = Date.now();
    if (now - lastEscape < 2000) {
      leave(event);
    } else {
      lastEscape = now;
    }
  });
})();
