// Small inline-SVG charts: line and scatter plots with axes. No external libraries (the machines have no internet).
"use strict";

const Charts = (() => {
  const NS = "http://www.w3.org/2000/svg";
  const W = 520, H = 240, M = { l: 48, r: 14, t: 12, b: 34 };

  function el(name, attrs, text) {
    const node = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function extent(values, fallback) {
    let lo = Infinity, hi = -Infinity;
    for (const v of values) { if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); } }
    if (!Number.isFinite(lo)) return fallback;
    if (lo === hi) { const pad = Math.abs(lo) * 0.05 || 0.5; return [lo - pad, hi + pad]; }
    return [lo, hi];
  }

  function fmt(v) {
    const a = Math.abs(v);
    if (a >= 1000) return v.toFixed(0);
    if (a >= 10) return v.toFixed(1);
    if (a >= 1) return v.toFixed(2);
    return v.toFixed(3);
  }

  // Draws axes and returns the scale functions.
  function frame(svg, xDomain, yDomain, xLabel, yLabel) {
    const sx = x => M.l + (x - xDomain[0]) / (xDomain[1] - xDomain[0]) * (W - M.l - M.r);
    const sy = y => H - M.b - (y - yDomain[0]) / (yDomain[1] - yDomain[0]) * (H - M.t - M.b);
    for (let i = 0; i <= 4; i++) {
      const yv = yDomain[0] + (yDomain[1] - yDomain[0]) * i / 4;
      const xv = xDomain[0] + (xDomain[1] - xDomain[0]) * i / 4;
      svg.append(el("line", { class: "grid", x1: M.l, x2: W - M.r, y1: sy(yv), y2: sy(yv) }));
      svg.append(el("text", { x: M.l - 6, y: sy(yv) + 4, "text-anchor": "end" }, fmt(yv)));
      svg.append(el("text", { x: sx(xv), y: H - M.b + 16, "text-anchor": "middle" }, fmt(xv)));
    }
    svg.append(el("line", { class: "axis", x1: M.l, x2: W - M.r, y1: H - M.b, y2: H - M.b }));
    svg.append(el("line", { class: "axis", x1: M.l, x2: M.l, y1: M.t, y2: H - M.b }));
    svg.append(el("text", { x: (M.l + W - M.r) / 2, y: H - 4, "text-anchor": "middle" }, xLabel));
    const yl = el("text", { x: 12, y: (M.t + H - M.b) / 2, "text-anchor": "middle", transform: `rotate(-90 12 ${(M.t + H - M.b) / 2})` }, yLabel);
    svg.append(yl);
    return { sx, sy };
  }

  function svgRoot(title) {
    const svg = el("svg", { class: "chart", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title });
    svg.append(el("title", {}, title));
    return svg;
  }

  function empty(title, message) {
    const svg = svgRoot(title);
    svg.append(el("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }, message));
    return svg;
  }

  /** series: [{ name, color, points: [[x, y], ...], step?: bool }] */
  function line(title, series, xLabel, yLabel, opts = {}) {
    const all = series.flatMap(s => s.points);
    if (all.length === 0) return empty(title, "No data yet");
    const svg = svgRoot(title);
    const xd = opts.xDomain || extent(all.map(p => p[0]), [0, 1]);
    const yd = opts.yDomain || extent(all.map(p => p[1]), [0, 1]);
    const { sx, sy } = frame(svg, xd, yd, xLabel, yLabel);
    if (opts.diagonal) {
      svg.append(el("line", { x1: sx(0), y1: sy(0), x2: sx(1), y2: sy(1), stroke: "#c9d1db", "stroke-dasharray": "4 4" }));
    }
    for (const s of series) {
      if (s.points.length === 0) continue;
      let d = "";
      s.points.forEach((p, i) => {
        if (i === 0) d += `M${sx(p[0])},${sy(p[1])}`;
        else if (s.step) d += `H${sx(p[0])}V${sy(p[1])}`;
        else d += `L${sx(p[0])},${sy(p[1])}`;
      });
      svg.append(el("path", { d, fill: "none", stroke: s.color, "stroke-width": 2 }));
      if (s.dots) {
        for (const p of s.points) svg.append(el("circle", { cx: sx(p[0]), cy: sy(p[1]), r: 2.5, fill: s.color }));
      }
    }
    return svg;
  }

  /** points: [{ x, y, color, label, r? }] */
  function scatter(title, points, xLabel, yLabel, opts = {}) {
    if (points.length === 0) return empty(title, "No data yet");
    const svg = svgRoot(title);
    const xs = points.map(p => p.x);
    let xd = extent(xs, [0, 1]);
    if (opts.logX) {
      const lx = xs.filter(v => v > 0).map(Math.log10);
      xd = extent(lx, [0, 1]);
    }
    const yd = extent(points.map(p => p.y), [0, 1]);
    const { sx, sy } = frame(svg, xd, yd, opts.logX ? `${xLabel} (log10)` : xLabel, yLabel);
    for (const p of points) {
      const xv = opts.logX ? Math.log10(Math.max(p.x, 1e-9)) : p.x;
      const c = el("circle", { cx: sx(xv), cy: sy(p.y), r: p.r || 5, fill: p.color, "fill-opacity": 0.75, stroke: "#fff" });
      c.append(el("title", {}, p.label));
      svg.append(c);
    }
    return svg;
  }

  return { line, scatter, empty };
})();
