// Warn before leaving a page whose form (marked data-warn-unsaved) has changes not yet saved.
// Progressive enhancement: without this script the forms work as before, without the warning.
(function () {
  "use strict";

  function snapshot(form) {
    var fields = [];
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!element.name || element.type === "hidden" || element.type === "submit" || element.type === "button") {
        return;
      }
      if (element.type === "checkbox" || element.type === "radio") {
        fields.push(element.name + "=" + element.value + ":" + element.checked);
      } else {
        fields.push(element.name + "=" + element.value);
      }
    });
    return fields.join("\n");
  }

  function watch(form) {
    var saved = snapshot(form);
    var submitting = false;
    form.addEventListener("submit", function () {
      submitting = true;
    });
    window.addEventListener("beforeunload", function (event) {
      if (submitting || snapshot(form) === saved) {
        return undefined;
      }
      event.preventDefault();
      event.returnValue = "";  // older browsers show the warning only when returnValue is set
      return "";
    });
  }

  document.querySelectorAll("form[data-warn-unsaved]").forEach(watch);
})();
