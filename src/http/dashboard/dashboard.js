// leasehold dashboard: progressive enhancement only; every page works without it.
"use strict";

function localTimes(root) {
  root.querySelectorAll("time[datetime]").forEach(function (el) {
    var at = new Date(el.getAttribute("datetime"));
    if (!isNaN(at)) {
      el.textContent = at.toLocaleString();
      el.title = at.toISOString() + " (UTC " + el.getAttribute("datetime") + ")";
    }
  });
}

function countdowns() {
  var els = document.querySelectorAll("[data-countdown]");
  if (!els.length) return;
  function tick() {
    els.forEach(function (el) {
      var left = Math.round((new Date(el.getAttribute("data-countdown")) - Date.now()) / 1000);
      if (left <= 0) { el.textContent = "expired"; return; }
      var h = Math.floor(left / 3600), m = Math.floor(left / 60) % 60, s = left % 60;
      el.textContent = "expires in " + (h ? h + "h " : "") + (h || m ? m + "m " : "") + s + "s";
    });
  }
  tick();
  setInterval(tick, 1000);
}

function copyButtons() {
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (!source || !navigator.clipboard) return;
      navigator.clipboard.writeText(source.textContent).then(function () {
        button.textContent = "Copied";
      }, function () {
        button.textContent = "Select and copy by hand";
      });
    });
  });
}

function liveLeases() {
  if (!document.querySelector("[data-live=leases]") || !window.EventSource) return;
  var events = new EventSource("/v1/events");
  events.addEventListener("ready", function () {
    // Changes made before the stream listened: read each shown lease once.
    document.querySelectorAll("tr[data-lease-id]").forEach(function (row) {
      fetch("/v1/leases/" + encodeURIComponent(row.getAttribute("data-lease-id")), {
        credentials: "same-origin"
      }).then(function (r) { return r.ok ? r.json() : null; }).then(function (view) {
        if (view) show(view.lease || view);
      });
    });
    document.body.setAttribute("data-live-ready", "true");
  });
  events.addEventListener("lease", function (message) {
    var view;
    try { view = JSON.parse(message.data); } catch (e) { return; }
    show(view.lease || view);
  });
  function show(lease) {
    document.querySelectorAll("tr[data-lease-id]").forEach(function (row) {
      if (row.getAttribute("data-lease-id") !== lease.lease_id) return;
      var cell = row.querySelector(".lease-status");
      if (!cell) return;
      var badge = document.createElement("span");
      badge.className = "status status-" + lease.status;
      badge.setAttribute("data-status", lease.status);
      badge.textContent = lease.status;
      cell.replaceChildren(badge);
    });
  }
}

function userPicker() {
  var filter = document.getElementById("user-filter");
  var list = document.getElementById("user-list");
  var prefix = document.getElementById("prefix");
  var preview = document.getElementById("name-preview");
  if (!list) return;
  if (filter) {
    filter.addEventListener("input", function () {
      var q = filter.value.trim().toLowerCase();
      list.querySelectorAll("li").forEach(function (li) {
        li.hidden = q !== "" && li.getAttribute("data-search").indexOf(q) < 0;
      });
    });
  }
  function update() {
    if (!preview) return;
    var names = [];
    list.querySelectorAll("input[type=checkbox]:checked").forEach(function (box) {
      names.push((prefix ? prefix.value : "") + "-" + box.getAttribute("data-slug"));
    });
    preview.textContent = names.length ? names.join(", ") : "choose users";
  }
  list.addEventListener("change", update);
  if (prefix) prefix.addEventListener("input", update);
  update();
}

var violations = 0;
document.addEventListener("securitypolicyviolation", function () {
  violations += 1;
  document.body.setAttribute("data-csp-violations", String(violations));
});

document.addEventListener("DOMContentLoaded", function () {
  localTimes(document);
  countdowns();
  copyButtons();
  liveLeases();
  userPicker();
  document.body.setAttribute("data-enhanced", "true");
});
