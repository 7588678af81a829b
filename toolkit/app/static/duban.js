/* 督办工作台: the drop zone of 回收 (many files at once, checked against the upload's bounds
   before they are sent) and the upload's progress. Everything else is htmx. */
(function () {
  "use strict";

  function show(form, sentence) {
    var target = document.getElementById("job-area");
    if (!target) { return; }
    var box = document.createElement("div");
    box.className = "notice error";
    box.setAttribute("role", "alert");
    box.textContent = sentence;
    target.innerHTML = "";
    target.appendChild(box);
  }

  function fits(form, files) {
    var maxFiles = parseInt(form.getAttribute("data-max-files"), 10);
    var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10);
    var total = 0;
    for (var i = 0; i < files.length; i++) { total += files[i].size; }
    if (files.length > maxFiles) {
      show(form, form.getAttribute("data-too-many"));
      return false;
    }
    if (total > maxBytes) {
      show(form, form.getAttribute("data-too-large"));
      return false;
    }
    return true;
  }

  function send(form) {
    if (typeof form.requestSubmit === "function") { form.requestSubmit(); } else { form.submit(); }
  }

  function setUp(form) {
    var input = form.querySelector('input[type="file"]');
    var bar = form.querySelector(".upload-progress");
    form.addEventListener("dragover", function (e) { e.preventDefault(); form.classList.add("over"); });
    form.addEventListener("dragleave", function () { form.classList.remove("over"); });
    form.addEventListener("drop", function (e) {
      e.preventDefault();
      form.classList.remove("over");
      if (!e.dataTransfer || !e.dataTransfer.files.length) { return; }
      input.files = e.dataTransfer.files;
      if (fits(form, input.files)) { send(form); }
    });
    input.addEventListener("change", function () {
      if (input.files.length && fits(form, input.files)) { send(form); }
    });
    form.addEventListener("submit", function (e) {
      if (input.files.length && !fits(form, input.files)) {
        e.preventDefault();
        e.stopImmediatePropagation();
      }
    }, true);
    form.addEventListener("htmx:xhr:progress", function (e) {
      if (!bar || !e.detail.lengthComputable) { return; }
      bar.hidden = false;
      bar.max = e.detail.total;
      bar.value = e.detail.loaded;
    });
    form.addEventListener("htmx:afterRequest", function () {
      if (bar) { bar.hidden = true; }
      input.value = "";
    });
  }

  /* A file chooser styled as a button says in Chinese which file was chosen. */
  function showChosen(input) {
    var target = document.getElementById(input.getAttribute("data-chosen"));
    input.addEventListener("change", function () {
      var names = [];
      for (var i = 0; i < input.files.length; i++) { names.push(input.files[i].name); }
      target.textContent = names.length ? names.join("、") : "未选择文件";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("drop-form");
    if (form) { setUp(form); }
    var inputs = document.querySelectorAll("input[data-chosen]");
    for (var i = 0; i < inputs.length; i++) { showChosen(inputs[i]); }
  });
})();
