// canhgiac portal: progressive enhancement only; every page works without this file.
// The report form: one step at a time, and a draft kept on this device (never the personal fields or files).
(function () {
  "use strict";
  var DRAFT_KEY = "canhgiac.report-draft";
  var PERSONAL = { reporter_name: 1, reporter_phone: 1, reporter_email: 1, csrf: 1, submission_id: 1 };

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  // A field's key in the draft: its id (the money trail's rows repeat names), or the name of a radio group.
  function draftKey(field) {
    if (field.type === "radio") return "name:" + field.name;
    return field.id || "";
  }

  function saveDraft(form) {
    var store = storage();
    if (!store) return;
    var draft = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      var key = draftKey(field);
      if (!key || !field.name || PERSONAL[field.name] || field.type === "file" || field.type === "submit" || field.type === "button") return;
      if (field.type === "radio" || field.type === "checkbox") {
        if (field.checked) draft[key] = field.value;
      } else if (field.value) {
        draft[key] = field.value;
      }
    });
    try { store.setItem(DRAFT_KEY, JSON.stringify(draft)); } catch (e) { /* full or refused: no draft */ }
  }

  function restoreDraft(form, addTransfer) {
    var store = storage();
    if (!store) return false;
    var draft;
    try { draft = JSON.parse(store.getItem(DRAFT_KEY) || "null"); } catch (e) { draft = null; }
    if (!draft || typeof draft !== "object") return false;
    // Rows of the money trail the draft had: add them before filling.
    Object.keys(draft).forEach(function (key) {
      var row = /-(\d+)$/.exec(key);
      var guard = 20;
      while (row && !document.getElementById(key) && addTransfer && guard-- > 0 && addTransfer()) { /* adds one row */ }
    });
    var restored = false;
    Array.prototype.forEach.call(form.elements, function (field) {
      var key = draftKey(field);
      if (!key || !field.name || PERSONAL[field.name] || !Object.prototype.hasOwnProperty.call(draft, key)) return;
      if (field.type === "radio" || field.type === "checkbox") {
        field.checked = draft[key] === field.value;
      } else if (field.type !== "file" && !field.value) {
        field.value = draft[key];
      }
      restored = true;
    });
    return restored;
  }

  // "Add another transfer" in the page: a copy of the last row, empty; false when there may be no more.
  function setUpTransfers(form) {
    var button = form.querySelector("button.add-transfer");
    if (!button) return null;
    var max = parseInt(button.getAttribute("data-max") || "10", 10);
    button.type = "button";
    function rows() { return form.querySelectorAll("fieldset.transfer"); }
    function add() {
      var all = rows();
      if (all.length >= max) return false;
      var last = all[all.length - 1];
      var number = all.length + 1;
      var copy = last.cloneNode(true);
      copy.setAttribute("data-transfer", String(number));
      var legend = copy.querySelector("legend");
      if (legend) legend.textContent = legend.textContent.replace(/\d+\s*$/, String(number));
      Array.prototype.forEach.call(copy.querySelectorAll("[id]"), function (element) {
        element.id = element.id.replace(/-\d+$/, "") + "-" + number;
        element.value = "";
        element.removeAttribute("aria-invalid");
      });
      Array.prototype.forEach.call(copy.querySelectorAll("label[for]"), function (label) {
        label.setAttribute("for", label.getAttribute("for").replace(/-\d+$/, "") + "-" + number);
      });
      last.parentNode.insertBefore(copy, last.nextSibling);
      if (number >= max) button.hidden = true;
      return true;
    }
    button.addEventListener("click", function () {
      if (add()) {
        var all = rows();
        var first = all[all.length - 1].querySelector("input");
        if (first) first.focus();
        saveDraft(form);
      }
    });
    return add;
  }

  function setUpSteps(form) {
    var steps = form.querySelectorAll("fieldset.step");
    if (steps.length < 2) return;
    var current = 0;
    var total = steps.length;
    var label = form.getAttribute("data-step-label") || "Step";
    var of = form.getAttribute("data-step-of") || "of";

    function show(index, moveFocus) {
      current = Math.max(0, Math.min(total - 1, index));
      Array.prototype.forEach.call(steps, function (step, i) { step.hidden = i !== current; });
      var progress = steps[current].querySelector(".step-progress");
      if (progress) progress.textContent = label + " " + (current + 1) + " " + of + " " + total;
      if (moveFocus) {
        var legend = steps[current].querySelector("legend");
        var first = steps[current].querySelector("input:not([type=hidden]), select, textarea");
        (first || legend).focus();
      }
    }

    function stepIsValid(step) {
      var fields = step.querySelectorAll("input, select, textarea");
      for (var i = 0; i < fields.length; i++) {
        if (!fields[i].checkValidity()) { fields[i].reportValidity(); return false; }
      }
      return true;
    }

    Array.prototype.forEach.call(steps, function (step, i) {
      var progress = document.createElement("p");
      progress.className = "step-progress";
      progress.setAttribute("aria-live", "polite");
      step.insertBefore(progress, step.children[1] || null);
      var buttons = document.createElement("div");
      buttons.className = "step-buttons";
      if (i > 0) {
        var back = document.createElement("button");
        back.type = "button";
        back.className = "step-back";
        back.textContent = form.getAttribute("data-back") || "Back";
        back.addEventListener("click", function () { show(i - 1, true); });
        buttons.appendChild(back);
      }
      if (i < total - 1) {
        var next = document.createElement("button");
        next.type = "button";
        next.className = "step-next primary";
        next.textContent = form.getAttribute("data-next") || "Next";
        next.addEventListener("click", function () { if (stepIsValid(step)) show(i + 1, true); });
        buttons.appendChild(next);
      }
      step.appendChild(buttons);
    });

    // After a refused submission, open the step that holds the field to fix.
    var invalid = form.querySelector("[aria-invalid=true]");
    var start = 0;
    if (invalid) {
      Array.prototype.forEach.call(steps, function (step, i) { if (step.contains(invalid)) start = i; });
    }
    show(start, false);
    // The browser's own check of a required field hidden in another step: show that step.
    form.addEventListener("invalid", function (event) {
      Array.prototype.forEach.call(steps, function (step, i) { if (step.contains(event.target) && i !== current) show(i, false); });
    }, true);
  }

  function setUpReportForm() {
    var form = document.getElementById("report-form");
    if (!form) return;
    var note = document.getElementById("draft-note");
    var addTransfer = setUpTransfers(form);
    if (restoreDraft(form, addTransfer) && note) note.hidden = false;
    var clear = document.getElementById("draft-clear");
    if (clear) {
      clear.addEventListener("click", function () {
        var store = storage();
        if (store) store.removeItem(DRAFT_KEY);
        form.reset();
        if (note) note.hidden = true;
      });
    }
    form.addEventListener("input", function () { saveDraft(form); });
    form.addEventListener("change", function () { saveDraft(form); });
    form.addEventListener("submit", function () {
      var store = storage();
      if (store) store.removeItem(DRAFT_KEY);
    });
    setUpSteps(form);
  }

  function focusError() {
    var error = document.getElementById("form-error");
    if (error) error.focus();
  }

  function start() {
    setUpReportForm();
    focusError();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
