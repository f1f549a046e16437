// parsl-monitoring dashboard charts: our own small SVG drawing code, no libraries, no network.
"use strict";
(function () {
  var SVG = "http://www.w3.org/2000/svg";
  var COLORS = {
    exec_done: "#2b8a3e", memo_done: "#2b8a3e", failed: "#c92a2a", dep_fail: "#c92a2a",
    running: "#1971c2", running_ended: "#1971c2", launched: "#1971c2", pending: "#868e96",
    fail_retryable: "#e67700", joining: "#e67700", unknown: "#adb5bd"
  };
  var PALETTE = ["#1971c2", "#2b8a3e", "#e67700", "#862e9c", "#c92a2a", "#0b7285", "#5c940d", "#a61e4d"];

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    for (var k in attrs) { if (Object.prototype.hasOwnProperty.call(attrs, k)) node.setAttribute(k, attrs[k]); }
    if (parent) parent.appendChild(node);
    return node;
  }
  function text(parent, x, y, s, anchor) {
    var t = el("text", { x: x, y: y, "text-anchor": anchor || "start" }, parent);
    t.textContent = s;
    return t;
  }
  function title(node, s) { el("title", {}, node).textContent = s; }
  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  function color(state) { return COLORS[state] || COLORS.unknown; }
  function fmtSeconds(s) { return s < 120 ? s.toFixed(1) + " s" : (s / 60).toFixed(1) + " min"; }

  function axis(svg, x0, x1, y, t0, t1) {
    el("line", { x1: x0, y1: y, x2: x1, y2: y, "class": "axis" }, svg);
    for (var i = 0; i <= 4; i++) {
      var x = x0 + (x1 - x0) * i / 4;
      text(svg, x, y + 14, fmtSeconds((t1 - t0) / 1000 * i / 4), "middle");
    }
  }

  function gantt(svg, tasks) {
    var rows = tasks.filter(function (t) { return t.invoked !== null; });
    if (!rows.length) { text(svg, 10, 20, "No tasks."); svg.setAttribute("height", 30); return; }
    var t0 = Math.min.apply(null, rows.map(function (t) { return t.invoked; }));
    var t1 = Math.max.apply(null, rows.map(function (t) { return t.returned || t.launched || t.invoked; }));
    if (t1 <= t0) t1 = t0 + 1;
    var width = svg.clientWidth || 1000, left = 60, right = width - 20;
    var h = rows.length > 200 ? 2 : 10, gap = rows.length > 200 ? 0 : 2;
    var height = rows.length * (h + gap) + 40;
    svg.setAttribute("height", height);
    var scale = function (t) { return left + (right - left) * (t - t0) / (t1 - t0); };
    rows.forEach(function (t, i) {
      var y = 10 + i * (h + gap);
      var start = t.launched || t.invoked, end = t.returned || t1;
      var wait = el("rect", { x: scale(t.invoked), y: y, width: Math.max(scale(start) - scale(t.invoked), 0),
        height: h, fill: "#dee2e6", "class": "wait" }, svg);
      title(wait, "task " + t.id + " waiting");
      var bar = el("rect", { x: scale(start), y: y, width: Math.max(scale(end) - scale(start), 1), height: h,
        fill: color(t.state), "class": "bar", "data-task": t.id }, svg);
      title(bar, "task " + t.id + " (" + t.app + "): " + t.state);
      if (h >= 10 && i % Math.ceil(rows.length / 40) === 0) text(svg, left - 6, y + h - 1, String(t.id), "end");
    });
    axis(svg, left, right, height - 24, t0, t1);
  }

  function appsOverTime(svg, c) {
    var names = Object.keys(c.apps || {});
    if (!names.length) { text(svg, 10, 20, "No task has returned yet."); svg.setAttribute("height", 30); return; }
    var width = svg.clientWidth || 1000, height = 260, left = 50, right = width - 160, top = 10, bottom = height - 30;
    svg.setAttribute("height", height);
    var bins = c.apps[names[0]].length, max = 1;
    var cumulative = {};
    names.forEach(function (n) {
      var sum = 0;
      cumulative[n] = c.apps[n].map(function (v) { sum += v; return sum; });
      max = Math.max(max, sum);
    });
    el("line", { x1: left, y1: top, x2: left, y2: bottom, "class": "axis" }, svg);
    text(svg, left - 6, top + 8, String(max), "end");
    text(svg, left - 6, bottom, "0", "end");
    names.forEach(function (n, k) {
      var pts = cumulative[n].map(function (v, i) {
        return (left + (right - left) * (i + 1) / bins).toFixed(1) + "," + (bottom - (bottom - top) * v / max).toFixed(1);
      });
      pts.unshift(left + "," + bottom);
      var line = el("polyline", { points: pts.join(" "), fill: "none", stroke: PALETTE[k % PALETTE.length],
        "stroke-width": 2, "class": "app-line", "data-app": n }, svg);
      title(line, n + ": " + cumulative[n][bins - 1] + " tasks returned");
      el("rect", { x: right + 14, y: top + k * 16, width: 10, height: 10, fill: PALETTE[k % PALETTE.length] }, svg);
      text(svg, right + 28, top + k * 16 + 9, n);
    });
    axis(svg, left, right, bottom, 0, c.width_s * bins * 1000);
  }

  function dag(svg, tasks) {
    if (!tasks.length) { text(svg, 10, 20, "No tasks."); svg.setAttribute("height", 30); return; }
    var depth = {}, byDepth = [], pos = {};
    tasks.forEach(function (t) {
      var d = 0;
      t.deps.forEach(function (p) { if (depth[p] !== undefined) d = Math.max(d, depth[p] + 1); });
      depth[t.id] = d;
      (byDepth[d] = byDepth[d] || []).push(t);
    });
    var widest = Math.max.apply(null, byDepth.map(function (l) { return l.length; }));
    var dx = 70, dy = widest > 60 ? 8 : 24, r = widest > 60 ? 3 : 8;
    svg.setAttribute("height", widest * dy + 30);
    svg.setAttribute("viewBox", "0 0 " + Math.max(byDepth.length * dx + 40, 200) + " " + (widest * dy + 30));
    byDepth.forEach(function (level, d) {
      level.forEach(function (t, i) { pos[t.id] = [30 + d * dx, 15 + i * dy]; });
    });
    tasks.forEach(function (t) {
      t.deps.forEach(function (p) {
        if (pos[p]) el("line", { x1: pos[p][0], y1: pos[p][1], x2: pos[t.id][0], y2: pos[t.id][1], "class": "edge" }, svg);
      });
    });
    var run = svg.getAttribute("data-run");
    tasks.forEach(function (t) {
      var a = el("a", { href: "/workflow/" + encodeURIComponent(run) + "/task/" + t.id }, svg);
      var c = el("circle", { cx: pos[t.id][0], cy: pos[t.id][1], r: r, fill: color(t.state), "class": "node",
        "data-task": t.id, "data-state": t.state }, a);
      title(c, "task " + t.id + " (" + t.app + "): " + t.state);
    });
    var legend = document.getElementById("dag-legend");
    if (legend) {
      var seen = {};
      tasks.forEach(function (t) { seen[t.state] = (seen[t.state] || 0) + 1; });
      Object.keys(seen).sort().forEach(function (s) {
        var span = document.createElement("span");
        var dot = document.createElement("i");
        dot.style.background = color(s);
        span.appendChild(dot);
        span.appendChild(document.createTextNode(s + " (" + seen[s] + ")"));
        legend.appendChild(span);
      });
    }
  }

  function series(svg, points, key, scale) {
    var width = 420, height = 220, left = 50, right = width - 10, top = 10, bottom = height - 30;
    var pts = points.filter(function (p) { return p[key] !== null; });
    if (!pts.length) { text(svg, 10, 20, "No samples."); return; }
    var t0 = pts[0].t, t1 = Math.max(pts[pts.length - 1].t, t0 + 1);
    var max = Math.max.apply(null, pts.map(function (p) { return p[key] * scale; }).concat([1e-9]));
    el("line", { x1: left, y1: top, x2: left, y2: bottom, "class": "axis" }, svg);
    text(svg, left - 4, top + 8, max.toPrecision(3), "end");
    text(svg, left - 4, bottom, "0", "end");
    var coords = pts.map(function (p) {
      return (left + (right - left) * (p.t - t0) / (t1 - t0)).toFixed(1) + "," +
        (bottom - (bottom - top) * p[key] * scale / max).toFixed(1);
    });
    el("polyline", { points: coords.join(" "), fill: "none", stroke: "#1971c2", "stroke-width": 2, "class": "series" }, svg);
    pts.forEach(function (p, i) {
      var xy = coords[i].split(",");
      el("circle", { cx: xy[0], cy: xy[1], r: 3, fill: "#1971c2", "class": "sample" }, svg);
    });
    axis(svg, left, right, bottom, t0, t1);
  }

  function init() {
    var tasks = data("tasks-data");
    if (tasks) {
      gantt(document.getElementById("gantt"), tasks);
      dag(document.getElementById("dag"), tasks);
    }
    var completions = data("completions-data");
    if (completions) appsOverTime(document.getElementById("apps-over-time"), completions);
    var res = data("resources-data");
    if (res && res.length) {
      series(document.getElementById("res-cpu"), res, "cpu", 1);
      series(document.getElementById("res-rss"), res, "rss", 1 / 1048576);
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
