// Refreshes the page's live part (the element with data-refresh-url: the queue's rows, the calls
// coming in) every 20 seconds without reloading the page. Without JavaScript the page works the
// same; its Refresh link reloads it. A refresh is not a person's action: it
// says so in a header, so that it does not keep an idle session alive, and when the session has
// ended (401) the whole page goes to sign-in, coming back here afterwards.
(function () {
  "use strict";
  var rows = document.querySelector("[data-refresh-url]");
  if (!rows || !window.fetch) { return; }
  var url = rows.getAttribute("data-refresh-url");
  var headers = { "Accept": "text/html", "X-Hotline-Background": "1" };
  function signIn(response) {
    return response.json().then(function (answer) {
      var here = window.location.pathname + window.location.search;
      window.location.assign(answer.location + "?next=" + encodeURIComponent(here));
      throw new Error("signed out");
    });
  }
  function refresh() {
    if (document.hidden) { return; }
    fetch(url, { credentials: "same-origin", headers: headers })
      .then(function (response) {
        if (response.status === 401) { return signIn(response); }
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) { rows.innerHTML = html; })
      .catch(function () { /* keep the rows shown; the next refresh tries again */ });
  }
  window.setInterval(refresh, 20000);
  document.addEventListener("visibilitychange", refresh);
})();
