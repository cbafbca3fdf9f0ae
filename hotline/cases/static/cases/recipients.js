// The consent form's recipient picker, as you type. Without JavaScript the Find button sends
// the form back and the page lists the matches; with it, the matches follow the typing from
// the same origin, and the ticked agencies stay ticked. An agency's name is all that is sent.
(function () {
  "use strict";
  var picker = document.querySelector(".recipient-picker");
  if (!picker || !window.fetch || !window.URLSearchParams) { return; }
  var input = picker.querySelector("#recipient_q");
  var matches = picker.querySelector("ul.matches");
  var heading = picker.querySelector("#recipient-matches-h");
  var url = picker.getAttribute("data-matches-url");
  var timer = null;
  var asked = 0;
  function chosenList() {
    var list = picker.querySelector("ul.chosen");
    if (!list) {
      list = document.createElement("ul");
      list.className = "chosen";
      picker.insertBefore(list, heading);
    }
    return list;
  }
  function keepTicked() {
    var boxes = matches.querySelectorAll("input[type=checkbox]:checked");
    for (var i = 0; i < boxes.length; i += 1) {
      chosenList().appendChild(boxes[i].closest("li"));
    }
  }
  function find() {
    keepTicked();
    var params = new URLSearchParams();
    params.set("q", input.value);
    var chosen = picker.querySelectorAll("ul.chosen input[type=checkbox]:checked");
    for (var i = 0; i < chosen.length; i += 1) { params.append("chosen", chosen[i].value); }
    var mine = (asked += 1);
    fetch(url + "?" + params.toString(), {
      credentials: "same-origin",
      headers: { "Accept": "text/html" }
    })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        if (mine !== asked) { return; }  // an older answer arriving late
        matches.innerHTML = html;
        heading.textContent = input.getAttribute("data-matching-label") || heading.textContent;
      })
      .catch(function () { /* the Find button still works */ });
  }
  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(find, 250);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); window.clearTimeout(timer); find(); }
  });
})();
