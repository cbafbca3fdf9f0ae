/* Going Back to a public form that was sent shows it as it was, with the one-time token it was
   sent with, so that sending it again finds the contact already made instead of making a second
   one. Browsers keep, for the history, only the fields whose value differs from the one the page
   came with: the token's default is emptied so that its value is kept. A token the browser has
   given back from the history is the one kept here. */
(function () {
  "use strict";
  var tokens = document.querySelectorAll("form.public-form input[name=form_token]");
  for (var i = 0; i < tokens.length; i += 1) {
    var token = tokens[i].value;
    tokens[i].defaultValue = "";
    tokens[i].value = token;
  }
})();
