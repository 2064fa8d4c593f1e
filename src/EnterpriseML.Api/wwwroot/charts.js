// Small inline-SVG charts: line and scatter plots with axes. No external libraries (the machines have no internet).
"use strict";

const Charts = (() => {
  const NS = "http://www.w3.org/2000/svg";
  const W = 560, H = 250, M = { l: 62, r: 16, t: 12, b: 40 };

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
    if (a === 0) return "0";
    if (a >= 1000) return v.toFixed(0);
    if (a >= 10) return v.toFixed(1);
    if (a >= 1) return v.toFixed(2);
    return v.toFixed(3);
  }

  // About `count` round tick values (1, 2 or 5 times a power of ten apart) inside [lo, hi].
  function niceTicks(lo, hi, count = 5) {
    const raw = (hi - lo) / count;
    const power = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 5, 10].map(m => m * power).find(s => s >= raw) || raw;
    const ticks = [];
    for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    return ticks;
  }

  // Draws axes and returns the scale functions.
  function frame(svg, xDomain, yDomain, xLabel, yLabel, xFormat = fmt, xTicks = null) {
    const sx = x => M.l + (x - xDomain[0]) / (xDomain[1] - xDomain[0]) * (W - M.l - M.r);
    const sy = y => H - M.b - (y - yDomain[0]) / (yDomain[1] - yDomain[0]) * (H - M.t - M.b);
    const yTicks = niceTicks(yDomain[0], yDomain[1]);
    const yStep = yTicks.length > 1 ? yTicks[1] - yTicks[0] : 1;
    const yDigits = Math.max(0, Math.min(4, -Math.floor(Math.log10(yStep) + 1e-9)));
    for (const yv of yTicks) {
      svg.append(el("line", { class: "grid", x1: M.l, x2: W - M.r, y1: sy(yv), y2: sy(yv) }));
      svg.append(el("text", { x: M.l - 6, y: sy(yv) + 4, "text-anchor": "end" }, yv.toFixed(yDigits)));
    }
    const xs = xTicks || niceTicks(xDomain[0], xDomain[1], 6);
    const xStep = xs.length > 1 ? xs[1] - xs[0] : 1;
    const xDigits = Math.max(0, Math.min(4, -Math.floor(Math.log10(xStep) + 1e-9)));
    for (const xv of xs) {
      svg.append(el("line", { class: "tick", x1: sx(xv), x2: sx(xv), y1: H - M.b, y2: H - M.b + 4 }));
      svg.append(el("text", { x: sx(xv), y: H - M.b + 16, "text-anchor": "middle" }, xTicks ? xFormat(xv) : xv.toFixed(xDigits)));
    }
    svg.append(el("line", { class: "axis", x1: M.l, x2: W - M.r, y1: H - M.b, y2: H - M.b }));
    svg.append(el("line", { class: "axis", x1: M.l, x2: M.l, y1: M.t, y2: H - M.b }));
    svg.append(el("text", { class: "label", x: (M.l + W - M.r) / 2, y: H - 6, "text-anchor": "middle" }, xLabel));
    const yl = el("text", { class: "label", x: 14, y: (M.t + H - M.b) / 2, "text-anchor": "middle", transform: `rotate(-90 14 ${(M.t + H - M.b) / 2})` }, yLabel);
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
      if (s.noLine) {
        for (const p of s.points) svg.append(el("circle", { cx: sx(p[0]), cy: sy(p[1]), r: 3.5, fill: s.color }));
        continue;
      }
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
    // Pad the domains so dots and their labels stay inside the plot.
    const padX = (xd[1] - xd[0]) * 0.08, padY = (yd[1] - yd[0]) * 0.12;
    xd = [xd[0] - padX, xd[1] + padX];
    const ydp = [yd[0] - padY, yd[1] + padY];
    // On a log axis, ticks sit on powers of ten (0.1, 1, 10, ...), labelled in real units.
    const logTicks = [];
    if (opts.logX) for (let e = Math.ceil(xd[0]); e <= Math.floor(xd[1]); e++) logTicks.push(e);
    if (opts.logX && logTicks.length < 2) { xd = [Math.floor(xd[0]), Math.max(Math.ceil(xd[1]), Math.floor(xd[0]) + 1)]; logTicks.length = 0; for (let e = xd[0]; e <= xd[1]; e++) logTicks.push(e); }
    const { sx, sy } = frame(svg, xd, ydp, xLabel, yLabel, v => { const r = 10 ** v; return r >= 1 ? r.toFixed(0) : r.toPrecision(1); }, opts.logX ? logTicks : null);
    const placed = [];
    for (const p of points) {
      const xv = opts.logX ? Math.log10(Math.max(p.x, 1e-9)) : p.x;
      const c = el("circle", { cx: sx(xv), cy: sy(p.y), r: p.r || 5, fill: p.color, "fill-opacity": 0.75, stroke: "#fff" });
      c.append(el("title", {}, p.label));
      svg.append(c);
      if (p.text) {
        // Put the label right of the dot (left near the right edge), nudged up or down when it would cover another.
        const right = sx(xv) < W - M.r - 120;
        const width = p.text.length * 6.2;
        const x0 = right ? sx(xv) + 9 : sx(xv) - 9 - width;
        let y = sy(p.y) + 4;
        for (const dy of [0, -13, 13, -26, 26]) {
          const yy = sy(p.y) + 4 + dy;
          if (!placed.some(b => x0 < b.x1 && x0 + width > b.x0 && Math.abs(yy - b.y) < 12)) { y = yy; break; }
        }
        placed.push({ x0, x1: x0 + width, y });
        svg.append(el("text", { class: "point", x: right ? x0 : x0 + width, y, "text-anchor": right ? "start" : "end" }, p.text));
      }
    }
    return svg;
  }

  return { line, scatter, empty };
})();
