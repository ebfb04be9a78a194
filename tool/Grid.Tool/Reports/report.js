// Draws report.html's charts from the JSON in #grid-data as inline SVG. No libraries and no fetches: the
// page must open from a file, offline. Times in the data are milliseconds from the run's start.
(function () {
  'use strict';
  var t0 = performance.now();
  var data = JSON.parse(document.getElementById('grid-data').textContent);
  var tip = document.getElementById('tip');
  var OUTCOME = ['succeeded', 'failed', 'timed out', 'quarantined', 'lost with its worker', 'withdrawn'];
  var LEVEL = [0, 0.35, 0.55, 0.78, 1];
  var STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 15e3, 3e4, 6e4, 12e4, 3e5, 6e5, 9e5,
    18e5, 36e5, 72e5, 108e5, 216e5, 432e5, 864e5];

  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]; });
  }

  function dur(ms) {
    if (ms < 0 || ms !== ms) return '—';
    if (ms === 0) return '0';
    if (ms < 1) return ms.toFixed(2) + ' ms';
    if (ms < 10) return ms.toFixed(1) + ' ms';
    if (ms < 1000) return Math.round(ms) + ' ms';
    if (ms < 1e4) return (ms / 1000).toFixed(2) + ' s';
    if (ms < 6e4) return (ms / 1000).toFixed(1) + ' s';
    if (ms < 36e5) return Math.floor(ms / 6e4) + ' min ' + String(Math.floor(ms / 1000) % 60).padStart(2, '0') + ' s';
    return Math.floor(ms / 36e5) + ' h ' + String(Math.floor(ms / 6e4) % 60).padStart(2, '0') + ' min';
  }

  function num(n) { return Math.round(n).toLocaleString('en-US'); }

  function niceStep(raw) {
    for (var i = 0; i < STEPS.length; i++) if (STEPS[i] >= raw) return STEPS[i];
    return STEPS[STEPS.length - 1];
  }

  function tickLabel(ms, step) {
    if (data.spanMs < 12e4 || step < 1000) {
      var s = ms / 1000;
      return (step < 1000 ? s.toFixed(step < 10 ? 3 : step < 100 ? 2 : 1) : String(Math.round(s))) + ' s';
    }
    var m = Math.floor(ms / 6e4), sec = Math.round(ms / 1000) % 60;
    if (data.spanMs < 36e5 * 3) return m + ':' + String(sec).padStart(2, '0');
    return Math.floor(m / 60) + ':' + String(m % 60).padStart(2, '0') + ' h';
  }

  // A step of 1, 2 or 5 × 10^k, at least 1 (counts are whole), and the axis top it gives for max.
  function yScale(max, ticks) {
    var raw = Math.max(1, max) / ticks, p = Math.pow(10, Math.floor(Math.log10(raw))), f = raw / p;
    var step = Math.max(1, (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p);
    return { step: step, top: Math.max(step, Math.ceil(Math.max(1, max) / step) * step) };
  }

  function showTip(e, html) {
    tip.innerHTML = html;
    tip.hidden = false;
    var w = tip.offsetWidth, h = tip.offsetHeight;
    var x = e.clientX + 14, y = e.clientY + 14;
    if (x + w > window.innerWidth - 8) x = e.clientX - w - 14;
    if (y + h > window.innerHeight - 8) y = e.clientY - h - 14;
    tip.style.left = x + 'px';
    tip.style.top = y + 'px';
  }

  function hideTip() { tip.hidden = true; }

  function timeAxis(x, plotW, top, bottom, left, span) {
    var step = niceStep(span / Math.max(1, plotW / 110)), out = '';
    for (var t = 0; t <= span + 1e-9; t += step) {
      var px = x(t).toFixed(1);
      out += '<line class="grid" x1="' + px + '" x2="' + px + '" y1="' + top + '" y2="' + bottom + '"/>' +
        '<text x="' + px + '" y="' + (top - 6) + '" text-anchor="' + (t === 0 ? 'start' : 'middle') + '">' + tickLabel(t, step) + '</text>';
    }
    return out;
  }

  // The timeline: one group of slot lanes per worker, each attempt a bar; or, aggregated, occupancy cells.
  function gantt(el) {
    var W = el.clientWidth, L = 96, R = 14, top = 24;
    var plotW = Math.max(200, W - L - R), span = data.spanMs || 1;
    var rows = data.rows || 0, workers = data.workers || [];
    var rowH = Math.max(2, Math.min(16, Math.floor(760 / Math.max(1, rows))));
    var gap = rows > 300 ? 1 : 8, qH = 6;
    var x = function (t) { return L + (t / span) * plotW; };
    var rowY = new Float64Array(rows), qY = [], y = top + 4;
    workers.forEach(function (w, i) {
      w.top = y;
      for (var r = 0; r < w.rows; r++) rowY[w.row + r] = y + r * rowH;
      y += w.rows * rowH;
      if (w.queued > 0) { qY[i] = y + 2; y += qH + 4; }
      w.bottom = y;
      y += gap;
    });
    var H = y + 4, out = [];
    out.push('<svg width="' + W + '" height="' + H + '" role="img" aria-label="timeline of attempts per worker slot">' +
      '<defs><pattern id="hatch" width="4" height="4" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="4" height="4" fill="#fff"/><line x1="0" y1="0" x2="0" y2="4" stroke="#98a2b3" stroke-width="1.5"/></pattern>' +
      '<pattern id="boot" width="5" height="5" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="5" height="5" fill="#f3f6fa"/><line x1="0" y1="0" x2="0" y2="5" stroke="#dfe5ee" stroke-width="2"/></pattern></defs>');
    out.push(timeAxis(x, plotW, top, H - 2, L, span));
    workers.forEach(function (w, i) {
      var from = w.launched != null ? w.launched : (w.ready != null ? w.ready : 0);
      var to = w.ended != null ? w.ended : span, h = w.bottom - w.top;
      if (to > from) {
        if (w.ready != null && w.ready > from) {
          out.push('<rect class="boot" x="' + x(from).toFixed(1) + '" y="' + w.top + '" width="' + Math.max(0.5, x(w.ready) - x(from)).toFixed(1) + '" height="' + h + '"><title>' + esc(w.id) + ' starting: ' + dur(w.ready - from) + '</title></rect>');
          from = w.ready;
        }
        out.push('<rect class="life" x="' + x(from).toFixed(1) + '" y="' + w.top + '" width="' + Math.max(0.5, x(to) - x(from)).toFixed(1) + '" height="' + h + '"/>');
      }
      if (h >= 9) {
        out.push('<text class="wlabel" x="' + (L - 10) + '" y="' + (w.top + Math.min(h, 16) / 2 + 4).toFixed(1) + '" text-anchor="end">' + esc(w.id) + '</text>');
        if (h >= 30) out.push('<text x="' + (L - 10) + '" y="' + (w.top + 22) + '" text-anchor="end">' + w.slots + (w.slots === 1 ? ' slot' : ' slots') + '</text>');
      }
      if (i > 0 && gap > 1) out.push('<line class="sep" x1="0" x2="' + (L + plotW) + '" y1="' + (w.top - gap / 2) + '" y2="' + (w.top - gap / 2) + '"/>');
    });
    var bh = Math.max(1, rowH - (rowH > 6 ? 3 : rowH > 3 ? 1 : 0)), minW = 0.8;
    if (!data.aggregated) {
      var b = data.bars, n = b.length / 7;
      for (var i = 0; i < n; i++) {
        var k = i * 7, bx = x(b[k + 1]), bw = Math.max(minW, x(b[k + 2]) - bx);
        out.push('<rect data-bar="' + i + '" class="o' + b[k + 3] + '" x="' + bx.toFixed(2) + '" y="' + (rowY[b[k]] + 1).toFixed(1) + '" width="' + bw.toFixed(2) + '" height="' + bh + '" rx="' + (bh > 6 ? 2 : 0) + '"/>');
      }
      var q = data.queued;
      for (var j = 0; j < q.length / 7; j++) {
        var m = j * 7, qx = x(q[m + 1]);
        out.push('<rect data-bar="q' + j + '" class="q" x="' + qx.toFixed(2) + '" y="' + qY[q[m]] + '" width="' + Math.max(minW, x(q[m + 2]) - qx).toFixed(2) + '" height="' + qH + '"/>');
      }
    } else {
      var bw2 = plotW / data.buckets;
      data.cells.forEach(function (cells, r) {
        for (var c = 0; c < cells.length; c += 4) {
          out.push('<rect data-cell="' + r + ',' + c + '" class="o' + cells[c + 2] + '" fill-opacity="' + LEVEL[cells[c + 3]] + '" x="' + (L + cells[c] * bw2).toFixed(2) + '" y="' + (rowY[r] + (rowH > 4 ? 1 : 0)).toFixed(1) + '" width="' + Math.max(0.6, cells[c + 1] * bw2).toFixed(2) + '" height="' + bh + '"/>');
        }
      });
    }
    out.push('<line class="axis" x1="' + L + '" x2="' + L + '" y1="' + top + '" y2="' + (H - 2) + '"/></svg>');
    el.innerHTML = out.join('');
    el.onmousemove = function (e) {
      var t = e.target, bar = t.getAttribute && t.getAttribute('data-bar'), cell = t.getAttribute && t.getAttribute('data-cell');
      if (bar != null) showTip(e, barTip(bar));
      else if (cell != null) showTip(e, cellTip(cell));
      else hideTip();
    };
    el.onmouseleave = hideTip;
  }

  function workerOfRow(r) {
    var ws = data.workers;
    for (var i = 0; i < ws.length; i++) if (r >= ws[i].row && r < ws[i].row + ws[i].rows) return ws[i];
    return null;
  }

  function barTip(key) {
    var queued = key.charAt(0) === 'q', i = +(queued ? key.slice(1) : key), a = queued ? data.queued : data.bars, k = i * 7;
    var w = queued ? data.workers[a[k]] : workerOfRow(a[k]);
    var lane = queued ? null : a[k] - w.row + 1;
    var d = a[k + 6] >= 0 ? a[k + 6] : a[k + 2] - a[k + 1];
    return '<b><code>' + esc(data.ids[a[k + 4]]) + '</code></b> · attempt ' + a[k + 5] + '<br>' +
      '<span class="k">outcome</span> ' + (queued ? OUTCOME[a[k + 3]] + ', never started' : OUTCOME[a[k + 3]]) + '<br>' +
      '<span class="k">' + (queued ? 'queued' : 'duration') + '</span> ' + dur(queued ? a[k + 2] - a[k + 1] : d) + '<br>' +
      '<span class="k">worker</span> ' + esc(w ? w.id : '?') + (lane ? ', lane ' + lane : '') + '<br>' +
      '<span class="k">' + (queued ? 'dispatched' : 'started') + '</span> +' + dur(a[k + 1]) + ' <span class="k">ended</span> +' + dur(a[k + 2]);
  }

  function cellTip(key) {
    var p = key.split(','), r = +p[0], c = +p[1], cells = data.cells[r], w = workerOfRow(r);
    var from = cells[c] * data.bucketMs, to = (cells[c] + cells[c + 1]) * data.bucketMs;
    return '<b>' + esc(w ? w.id : '?') + (data.rowPerWorker || !w ? '' : ', lane ' + (r - w.row + 1)) + '</b><br>' +
      '<span class="k">time</span> +' + dur(from) + ' – +' + dur(to) + '<br>' +
      '<span class="k">mostly</span> ' + OUTCOME[cells[c + 2]] + '<br>' +
      '<span class="k">busy</span> ' + ['', 'up to 25 %', '25–50 %', '50–75 %', '75–100 %'][cells[c + 3]];
  }

  // Running attempts (area) against the slots of ready workers (dashed), with a hover read-out.
  function concurrency(el) {
    var c = data.concurrency, n = c.running.length, span = data.spanMs || 1;
    var scale = yScale(Math.max(Math.max.apply(null, c.capacity), Math.max.apply(null, c.running)) * 1.05, 4), max = scale.top;
    var W = el.clientWidth, H = 210, L = 18 + 6.5 * num(max).length, R = 12, top = 22, bottom = H - 8, plotW = W - L - R;
    var x = function (t) { return L + (t / span) * plotW; };
    var y = function (v) { return bottom - (v / max) * (bottom - top); };
    var out = ['<svg width="' + W + '" height="' + H + '" role="img" aria-label="running attempts over time">'];
    out.push(timeAxis(x, plotW, top, bottom, L, span));
    for (var v = 0; v <= max + 1e-9; v += scale.step) {
      out.push('<line class="grid" x1="' + L + '" x2="' + (L + plotW) + '" y1="' + y(v).toFixed(1) + '" y2="' + y(v).toFixed(1) + '"/><text x="' + (L - 6) + '" y="' + (y(v) + 4).toFixed(1) + '" text-anchor="end">' + num(v) + '</text>');
    }
    var area = 'M' + L + ',' + bottom, cap = '';
    for (var i = 0; i < n; i++) {
      var x0 = x(i * c.stepMs).toFixed(1), x1 = x((i + 1) * c.stepMs).toFixed(1);
      area += 'L' + x0 + ',' + y(c.running[i]).toFixed(1) + 'L' + x1 + ',' + y(c.running[i]).toFixed(1);
      cap += (i === 0 ? 'M' : 'L') + x0 + ',' + y(c.capacity[i]).toFixed(1) + 'L' + x1 + ',' + y(c.capacity[i]).toFixed(1);
    }
    out.push('<path class="area" d="' + area + 'L' + (L + plotW) + ',' + bottom + 'Z"/><path class="cap" d="' + cap + '"/>');
    out.push('<line class="axis" x1="' + L + '" x2="' + (L + plotW) + '" y1="' + bottom + '" y2="' + bottom + '"/>');
    out.push('<line class="cross" x1="0" x2="0" y1="' + top + '" y2="' + bottom + '" visibility="hidden"/></svg>');
    el.innerHTML = out.join('');
    var cross = el.querySelector('.cross');
    el.onmousemove = function (e) {
      var px = e.clientX - el.getBoundingClientRect().left, i = Math.floor((px - L) / plotW * n);
      if (i < 0 || i >= n) { hideTip(); cross.setAttribute('visibility', 'hidden'); return; }
      cross.setAttribute('x1', px); cross.setAttribute('x2', px); cross.setAttribute('visibility', 'visible');
      showTip(e, '<span class="k">at</span> +' + dur(i * c.stepMs) + '<br><span class="k">running</span> <b>' + c.running[i].toFixed(1) + '</b><br><span class="k">slots ready</span> ' + c.capacity[i].toFixed(1));
    };
    el.onmouseleave = function () { hideTip(); cross.setAttribute('visibility', 'hidden'); };
  }

  // A histogram from precomputed bins: edges (ms) and counts.
  function histogram(el, h, height) {
    var n = h.counts.length, scale = yScale(Math.max.apply(null, h.counts), 2), max = scale.top;
    var W = el.clientWidth, H = height, L = 16 + 6.5 * num(max).length, R = 10, top = 10, bottom = H - 20, plotW = W - L - R;
    var bw = plotW / n, out = ['<svg width="' + W + '" height="' + H + '" role="img" aria-label="histogram">'];
    var y = function (v) { return bottom - (v / max) * (bottom - top); };
    var ticks = [];
    for (var v = 0; v <= max + 1e-9; v += scale.step) ticks.push(v);
    ticks.forEach(function (v) {
      out.push('<line class="grid" x1="' + L + '" x2="' + (L + plotW) + '" y1="' + y(v).toFixed(1) + '" y2="' + y(v).toFixed(1) + '"/><text x="' + (L - 6) + '" y="' + (y(v) + 4).toFixed(1) + '" text-anchor="end">' + num(v) + '</text>');
    });
    for (var i = 0; i < n; i++) {
      if (h.counts[i] === 0) continue;
      var bh = Math.max(1, bottom - y(h.counts[i]));
      out.push('<rect class="bar" data-bin="' + i + '" x="' + (L + i * bw + 0.5).toFixed(1) + '" y="' + (bottom - bh).toFixed(1) + '" width="' + Math.max(1, bw - 1).toFixed(1) + '" height="' + bh.toFixed(1) + '" rx="1"/>');
    }
    var labels = W < 420 ? [0, n / 2, n] : [0, n / 4, n / 2, 3 * n / 4, n];
    labels.forEach(function (i, j) {
      out.push('<text x="' + (L + i * bw).toFixed(1) + '" y="' + (H - 4) + '" text-anchor="' + (j === 0 ? 'start' : j === labels.length - 1 ? 'end' : 'middle') + '">' + dur(h.edges[i]) + '</text>');
    });
    out.push('<line class="axis" x1="' + L + '" x2="' + (L + plotW) + '" y1="' + bottom + '" y2="' + bottom + '"/></svg>');
    el.innerHTML = out.join('');
    el.onmousemove = function (e) {
      var b = e.target.getAttribute && e.target.getAttribute('data-bin');
      if (b == null) { hideTip(); return; }
      showTip(e, dur(h.edges[+b]) + ' – ' + dur(h.edges[+b + 1]) + '<br><b>' + num(h.counts[+b]) + '</b> tasks');
    };
    el.onmouseleave = hideTip;
  }

  function draw() {
    var g = document.getElementById('gantt');
    if (g) gantt(g);
    var c = document.getElementById('concurrency');
    if (c) concurrency(c);
    var d = document.getElementById('durations');
    if (d) histogram(d, data.hist.durations, 190);
    ['queue', 'startup', 'run'].forEach(function (k) {
      var el = document.getElementById('h-' + k);
      if (el) histogram(el, data.hist[k], 120);
    });
  }

  draw();
  var pending;
  window.addEventListener('resize', function () {
    clearTimeout(pending);
    pending = setTimeout(draw, 150);
  });
  document.body.setAttribute('data-render-ms', (performance.now() - t0).toFixed(1));
})();
