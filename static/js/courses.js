/* Courses: a "select all" box above the participants' checkboxes. Progressive enhancement only:
 * without this script each participant is selected one by one. */
(function () {
  "use strict";
  var cell = document.querySelector("th[data-select-all]");
  if (!cell) { return; }
  var boxes = document.querySelectorAll("input[type=checkbox][name=enrollment]");
  var all = document.createElement("input");
  all.type = "checkbox";
  all.id = "select-all";
  all.setAttribute("aria-label", cell.getAttribute("data-select-all"));
  cell.textContent = "";
  cell.appendChild(all);
  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
  });
  boxes.forEach(function (box) {
    box.addEventListener("change", function () {
      var checked = Array.prototype.filter.call(boxes, function (b) { return b.checked; });
      all.checked = checked.length === boxes.length;
      all.indeterminate = checked.length > 0 && checked.length < boxes.length;
    });
  });
}());
