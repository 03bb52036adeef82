// Fact-change rows can be added and removed; Markdown fields can be previewed.
(function () {
  "use strict";
  var script = document.currentScript;
  var previewUrl = script.dataset.previewUrl;
  var searchFormsUrl = script.dataset.searchFormsUrl;
  var total = document.getElementById("id_facts-TOTAL_FORMS");
  var rows = document.getElementById("fact-rows");
  var template = document.getElementById("fact-template");

  document.getElementById("add-fact").addEventListener("click", function () {
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, index);
    rows.insertAdjacentHTML("beforeend", html);
    total.value = index + 1;
    var inputs = rows.lastElementChild.querySelectorAll("input[type=text]");
    if (inputs.length) inputs[0].focus();
  });

  function markRemoved(checkbox) {
    checkbox.closest(".fact-row").classList.toggle("removed", checkbox.checked);
  }
  rows.addEventListener("change", function (event) {
    if (event.target.name && event.target.name.endsWith("-DELETE")) markRemoved(event.target);
  });
  // After a failed submit the ticks come back from the server; show those rows as removed too.
  rows.querySelectorAll("input[name$='-DELETE']").forEach(markRemoved);

  // The title's counter says how many characters are left, where the browser would silently stop typing.
  document.querySelectorAll("[data-counter-for]").forEach(function (counter) {
    var input = document.getElementById(counter.dataset.counterFor);
    var most = parseInt(input.getAttribute("maxlength"), 10);
    // The limit is checked on the server; without maxlength a paste is kept whole and the counter says "too many".
    input.removeAttribute("maxlength");
    function update() {
      var left = most - input.value.length;
      var text = left < 0 ? counter.dataset.over.replace("%(over)s", -left)
        : (left === 1 ? counter.dataset.one : counter.dataset.many).replace("%(left)s", left);
      counter.textContent = text;
      counter.classList.toggle("over", left < 0);
    }
    input.addEventListener("input", update);
    update();
  });

  // Leaving the page (a link, the language switch) would drop what was typed: the browser asks first.
  var form = rows.closest("form");
  // A page shown again after a failed save holds typed input that is not stored yet.
  var edited = form.querySelector(".has-error, .form-errors") !== null;
  form.addEventListener("input", function () { edited = true; });
  form.addEventListener("submit", function () { edited = false; });
  window.addEventListener("beforeunload", function (event) {
    if (edited) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // As the lead types an old wording, the forms Bulletin will also search for appear under the row.
  var pending = null;
  function showSearchForms(row) {
    var inputs = row.querySelectorAll("input[type=text]");
    if (inputs.length < 2) return;
    var note = row.querySelector(".search-forms");
    if (!note) {
      note = document.createElement("p");
      note.className = "help search-forms";
      note.setAttribute("aria-live", "polite");
      row.appendChild(note);
    }
    var query = new URLSearchParams({ old: inputs[0].value, new: inputs[1].value });
    fetch(searchFormsUrl + "?" + query, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { forms: [] }; })
      .then(function (data) {
        note.textContent = data.forms.length ? data.label + " " + data.forms.join(" · ") : "";
      });
  }
  rows.addEventListener("input", function (event) {
    var row = event.target.closest(".fact-row");
    if (!row) return;
    clearTimeout(pending);
    pending = setTimeout(function () { showSearchForms(row); }, 300);
  });
  rows.querySelectorAll(".fact-row").forEach(showSearchForms);

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  document.querySelectorAll(".preview-button").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.dataset.previewFor);
      var target = document.getElementById(button.dataset.previewFor + "_preview");
      var body = new URLSearchParams({ text: source.value });
      fetch(previewUrl, {
        method: "POST",
        body: body,
        headers: { "X-CSRFToken": csrfToken() },
        credentials: "same-origin",
      })
        .then(function (response) { return response.text(); })
        .then(function (html) {
          // The server returns nh3-sanitised HTML only.
          target.innerHTML = html;
          target.hidden = false;
        });
    });
  });
})();
