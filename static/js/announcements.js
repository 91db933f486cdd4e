/* An announcement opened by one of its recipients is marked read (a POST: pages never change
   data on GET). Without JavaScript, dismissing it marks it read too. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var mark = document.querySelector("[data-read-url]");
    if (!mark) { return; }
    var body = new FormData();
    body.append("csrf_token", mark.getAttribute("data-csrf"));
    fetch(mark.getAttribute("data-read-url"), {method: "POST", body: body,
                                                credentials: "same-origin"})
      .catch(function () { /* the next visit, or Dismiss, marks it */ });
  });
})();
