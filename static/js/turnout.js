/* Progressive refresh: every element with data-refresh-url is replaced by that URL's HTML
   fragment every data-refresh-seconds seconds (default 30). Without JavaScript the page
   works as it is, with an "Update now" link. Nothing is refreshed while the tab is hidden. */
(function () {
  "use strict";

  function refresh(container) {
    var url = container.getAttribute("data-refresh-url");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        // A redirect means the session ended (login page): keep the last figures.
        if (!response.ok || response.redirected) {
          throw new Error("refresh failed: " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        container.innerHTML = html;
      })
      .catch(function () {
        /* keep the last figures; the next refresh tries again */
      });
  }

  function start() {
    var containers = document.querySelectorAll("[data-refresh-url]");
    Array.prototype.forEach.call(containers, function (container) {
      var seconds = parseInt(container.getAttribute("data-refresh-seconds"), 10) || 30;
      window.setInterval(function () {
        // Not while someone is using a button or link inside it: replacing it would move their focus.
        if (!document.hidden && !container.contains(document.activeElement)) {
          refresh(container);
        }
      }, seconds * 1000);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
