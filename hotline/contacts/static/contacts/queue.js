// Refreshes the queue's rows every 20 seconds without reloading the page. Without JavaScript
// the page works the same; its Refresh link reloads it.
(function () {
  "use strict";
  var rows = document.getElementById("queue-rows");
  if (!rows || !window.fetch) { return; }
  var url = rows.getAttribute("data-refresh-url");
  function refresh() {
    if (document.hidden) { return; }
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) { rows.innerHTML = html; })
      .catch(function () { /* keep the rows shown; the next refresh tries again */ });
  }
  window.setInterval(refresh, 20000);
  document.addEventListener("visibilitychange", refresh);
})();
