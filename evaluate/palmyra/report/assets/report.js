// Filters of the palmyra evaluation report. The data comes from the JSON block (read with
// JSON.parse, never evaluated); the script only toggles classes and attributes and writes
// textContent, so no string of the input is ever parsed as markup.
// A URL fragment selects a view on load: #layer=numbers, #layer=entities,events,
// #type=PER,count, #show=errors (or show=tp,fn,fp,ign,un); the data-active attribute of the
// body lists the layers shown.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var items = data.items; // [layer, label, side (0 gold, 1 pred), status], by data-i
  var form = document.getElementById("controls");
  var shown = document.getElementById("shown");
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input[type=checkbox]"));
  var groups = Array.prototype.slice.call(form.querySelectorAll(".types"));
  var marks = document.querySelectorAll("#documents .doc .it[data-i]");
  var ERRORS = ["fn", "fp"];
  var WORDS = {tp: "matched", fn: "missed", fp: "false positives", ign: "ignored",
               un: "not scored"};
  var STATUS = {tp: "matched", fn: "missed (false negative)", fp: "false positive",
                ign: "ignored (starts in page furniture)", un: "not scored"};

  function state() {
    var s = {layers: {}, types: {}, statuses: {}};
    boxes.forEach(function (b) {
      var layer = b.getAttribute("data-layer");
      if (b.hasAttribute("data-status")) {
        s.statuses[b.getAttribute("data-status")] = b.checked;
      } else if (b.hasAttribute("data-label")) {
        s.types[layer + ":" + b.getAttribute("data-label")] = b.checked;
      } else {
        s.layers[layer] = b.checked;
      }
    });
    return s;
  }

  function visible(s, it) {
    return s.layers[it[0]] && s.types[it[0] + ":" + it[1]] !== false && s.statuses[it[3]];
  }

  function describe(counts, side) {
    var total = 0, parts = [];
    data.statuses.forEach(function (name, k) {
      var n = counts[side][k];
      total += n;
      if (n) { parts.push(n + " " + WORDS[name]); }
    });
    return total + (side ? " predicted" : " gold") + (parts.length ? " (" + parts.join(", ") + ")" : "");
  }

  function apply() {
    var s = state();
    for (var n = 0; n < marks.length; n++) {
      var el = marks[n];
      el.classList.toggle("off", !visible(s, items[+el.getAttribute("data-i")]));
    }
    var counts = [[0, 0, 0, 0, 0], [0, 0, 0, 0, 0]];
    items.forEach(function (it) {
      if (visible(s, it)) { counts[it[2]][it[3]] += 1; }
    });
    shown.textContent = "shown: " + describe(counts, 0) + "; " + describe(counts, 1);
    groups.forEach(function (g) { g.hidden = !s.layers[g.getAttribute("data-layer")]; });
    var active = data.layers.filter(function (name, k) { return s.layers[k]; });
    document.body.setAttribute("data-active", active.join(" "));
  }

  function params() {
    var out = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (pair) {
      var i = pair.indexOf("=");
      if (i <= 0) { return; }
      try {
        out[decodeURIComponent(pair.slice(0, i))] = decodeURIComponent(pair.slice(i + 1)).split(",");
      } catch (e) { /* a malformed fragment selects nothing */ }
    });
    return out;
  }

  function fromHash() {
    var p = params();
    boxes.forEach(function (b) {
      var on = true;
      if (b.hasAttribute("data-status")) {
        var status = data.statuses[+b.getAttribute("data-status")];
        if (p.show) {
          on = p.show.indexOf(status) >= 0 || (p.show.indexOf("errors") >= 0 && ERRORS.indexOf(status) >= 0);
        }
      } else if (b.hasAttribute("data-label")) {
        if (p.type) { on = p.type.indexOf(data.labels[+b.getAttribute("data-label")]) >= 0; }
      } else if (p.layer) {
        on = p.layer.indexOf(data.layers[+b.getAttribute("data-layer")]) >= 0;
      }
      b.checked = on;
    });
    apply();
  }

  // The tooltip of a piece of text: the items shown there, innermost first, set as the
  // title of its outermost mark (the browser shows the nearest title).
  function tooltip(event) {
    var chain = [];
    for (var n = event.target; n && n.classList && n.classList.contains("it") && n.hasAttribute("data-i");
         n = n.parentNode) {
      chain.push(n);
    }
    if (!chain.length) { return; }
    var lines = [];
    chain.forEach(function (el) {
      if (el.classList.contains("off")) { return; }
      var i = +el.getAttribute("data-i"), it = items[i];
      lines.push((it[2] ? "pred" : "gold") + " \u2013 " + STATUS[data.statuses[it[3]]] + ": " + data.tips[i]);
    });
    var top = chain[chain.length - 1];
    if (lines.length) { top.setAttribute("title", lines.join("\n")); } else { top.removeAttribute("title"); }
  }

  document.getElementById("documents").addEventListener("mouseover", tooltip);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  window.addEventListener("hashchange", fromHash);
  form.hidden = false;
  fromHash();
})();
