// Progressive enhancement of the ballot: the running total updates as the voter ticks
// projects or gives points. Without this script the "Update total" button asks the
// server for the same numbers, so the ballot works the same with or without JavaScript.
(function () {
  "use strict";

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (match, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : match;
    });
  }

  function setUp(form) {
    var box = form.querySelector("#ballot-total");
    if (!box) {
      return;
    }
    var paragraph = box.querySelector("p");
    var format = box.getAttribute("data-format");
    var budget = parseInt(box.getAttribute("data-budget"), 10);
    var max = parseInt(box.getAttribute("data-max"), 10);
    var money = new Intl.NumberFormat(document.documentElement.lang || "fi", { style: "currency", currency: "EUR" });
    var euros = function (cents) { return money.format(cents / 100); };

    function update() {
      var text;
      if (format === "cumulative") {
        var used = 0;
        form.querySelectorAll("input[data-points]").forEach(function (input) {
          var value = parseInt(input.value, 10);
          if (!isNaN(value) && value > 0) {
            used += value;
          }
        });
        text = fill(box.getAttribute(used > max ? "data-text-points-over" : "data-text-points"), { used: used, max: max });
      } else {
        var checked = form.querySelectorAll("input[type=checkbox][name=project]:checked");
        if (format === "knapsack") {
          var total = 0;
          checked.forEach(function (input) { total += parseInt(input.getAttribute("data-cost"), 10); });
          text = total > budget
            ? fill(box.getAttribute("data-text-money-over"), { total: euros(total), over: euros(total - budget), budget: euros(budget) })
            : fill(box.getAttribute("data-text-money"), { total: euros(total), budget: euros(budget), left: euros(budget - total) });
        } else {
          text = fill(box.getAttribute(checked.length > max ? "data-text-count-over" : "data-text-count"), { count: checked.length, max: max });
        }
      }
      paragraph.textContent = text;
    }

    form.addEventListener("change", update);
    form.addEventListener("input", update);
    // The total now follows every change, so the server round trip is no longer needed.
    var button = form.querySelector("[data-update-total]");
    if (button) {
      button.hidden = true;
    }
  }

  document.querySelectorAll("form[data-ballot]").forEach(setUp);
})();
