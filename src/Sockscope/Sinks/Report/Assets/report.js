"use strict";
// Sockscope report page. Everything from the trace reaches the page through textContent, createTextNode or a
// canvas's fillText: never as HTML.
(function () {
  const data = JSON.parse(document.getElementById("sockscope-data").textContent);
  const ov = data.overview;
  const originMs = Date.parse(ov.origin);
  const OUTCOMES = ["clean", "open", "dropped", "error", "failed", "aborted"];
  const OUTCOME_TEXT = {
    clean: "clean: closed with no error",
    open: "open: still open when the trace ended",
    dropped: "dropped: datagrams dropped",
    error: "error: an operation failed after data moved",
    failed: "failed: never worked (refused, unreachable, bind failed)",
    aborted: "aborted",
  };
  const COLORS = {};
  const PAGE = 200;
  const sockets = data.sockets;
  const byId = new Map(sockets.map((s) => [s.id, s]));
  const nf = new Intl.NumberFormat("en-US");

  // ----- helpers ---------------------------------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    if (attrs) for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined) continue;
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  }
  const n = (v) => (v === null || v === undefined ? "–" : nf.format(v));
  function bytes(v) {
    if (v === null || v === undefined) return "–";
    if (v < 1024) return nf.format(v) + " B";
    const units = ["KiB", "MiB", "GiB", "TiB"];
    let x = v, i = -1;
    do { x /= 1024; i++; } while (x >= 1024 && i < units.length - 1);
    return x.toFixed(x < 10 ? 2 : x < 100 ? 1 : 0) + " " + units[i];
  }
  const pad = (v, w) => String(v).padStart(w, "0");
  // Times are microseconds after the origin (the session start to the millisecond).
  function clock(us) {
    if (us === null || us === undefined) return "–";
    const ms = Math.floor(us / 1000);
    const d = new Date(originMs + ms);
    const micro = us - ms * 1000;
    return pad(d.getUTCHours(), 2) + ":" + pad(d.getUTCMinutes(), 2) + ":" + pad(d.getUTCSeconds(), 2) + "." +
      pad(d.getUTCMilliseconds(), 3) + pad(micro, 3);
  }
  function dateTime(us) {
    if (us === null || us === undefined) return "–";
    const d = new Date(originMs + Math.floor(us / 1000));
    return d.toISOString().slice(0, 10) + " " + clock(us);
  }
  function span(us) {
    if (us === null || us === undefined) return "–";
    if (us < 1000) return us + " µs";
    if (us < 1e6) return (us / 1000).toFixed(us < 1e4 ? 2 : 1) + " ms";
    if (us < 6e7) return (us / 1e6).toFixed(us < 1e7 ? 3 : 2) + " s";
    const s = Math.round(us / 1e6);
    if (s < 3600) return Math.floor(s / 60) + " min " + (s % 60) + " s";
    return Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min";
  }
  // An address and the host name resolved to it: two tokens, each kept whole; the cell may wrap between them.
  function address(addr, name) {
    const f = document.createDocumentFragment();
    f.append(el("span", { class: "tok", text: addr || "–" }));
    if (name) f.append(" ", el("span", { class: "tok host", text: name }));
    return f;
  }
  // Text of several tokens (an error with its reason, a duration and "(open)"): it may wrap between words, never inside one.
  function tokens(text) {
    const f = document.createDocumentFragment();
    text.split(" ").forEach((word, i) => { if (i > 0) f.append(" "); if (word) f.append(el("span", { class: "tok", text: word })); });
    return f;
  }
  const addressText = (addr, name) => (addr || "–") + (name ? " " + name : "");
  const processLabel = (name, pid) => (name ? name : "(unknown)") + " (" + pid + ")";
  const isoUs = (iso) => (iso ? (Date.parse(iso) - originMs) * 1000 + Number((iso.match(/\.\d{3}(\d{0,3})/) || [0, "0"])[1].padEnd(3, "0")) : null);

  const traceStart = 0;
  let traceEnd = isoUs(ov.end_time);
  for (const s of sockets) {
    for (const t of [s.opened, s.closed]) if (t !== null && (traceEnd === null || t > traceEnd)) traceEnd = t;
    if (s.events) for (const e of s.events) if (traceEnd === null || e[0] > traceEnd) traceEnd = e[0];
  }
  if (traceEnd === null || traceEnd <= traceStart) traceEnd = traceStart + 1000;
  const duration = (s) => ((s.closed ?? traceEnd) - (s.opened ?? traceStart));

  function cssColor(name) { return getComputedStyle(document.documentElement).getPropertyValue("--" + name).trim() || "#888"; }
  for (const o of OUTCOMES) COLORS[o] = cssColor(o);

  // ----- overview --------------------------------------------------------------------------------------------

  function renderOverview() {
    document.title = "Sockscope report: " + ov.file;
    document.getElementById("subtitle").textContent = ov.file;
    const facts = document.getElementById("overview-facts");
    const add = (label, value, id) => facts.append(el("div", { "data-fact": id }, el("dt", { text: label }), el("dd", { text: value })));
    add("Host", "Windows " + ov.os_version + " build " + ov.os_build + ", " + ov.cpu_count + " processors, " + ov.pointer_size * 8 + "-bit", "host");
    add("Session", ov.logger_name || "–", "session");
    add("Start (UTC)", ov.start_time ? ov.start_time.replace("T", " ").replace("Z", "") : "–", "start");
    add("End (UTC)", ov.end_time ? ov.end_time.replace("T", " ").replace("Z", "") : "–", "end");
    add("Time span", ov.end_time ? span(isoUs(ov.end_time) - isoUs(ov.start_time)) : "–", "span");
    add("Processes", n(ov.process_count), "processes");
    add("Sockets", n(ov.sockets), "sockets");
    add("Winsock events", n(ov.winsock_events) + " of " + n(ov.records) + " records", "events");
    add("Bytes sent", bytes(ov.bytes_sent) + " (" + n(ov.bytes_sent) + ")", "bytes-sent");
    add("Bytes received", bytes(ov.bytes_received) + " (" + n(ov.bytes_received) + ")", "bytes-received");
    add("Failures", n(ov.failures), "failures");
    add("Notices", n(ov.notices) + (ov.notices > 0 ? " (options set and the like; listed on demand)" : ""), "notices");
    add("Lost", n(ov.events_lost) + " events, " + n(ov.buffers_lost) + " buffers; " + n(ov.buffers_with_lost_events) + " buffers flagged", "lost");
    add("Damage", ov.problem_count === 0 ? "none" : n(ov.problem_count) + " problems, " + n(ov.damaged_buffers) + " damaged buffers, " + n(ov.bytes_skipped) + " bytes skipped", "damage");

    const notices = document.getElementById("notices");
    if (ov.winsock_events === 0) notices.append(noWinsock());
    if (ov.events_lost > 0 || ov.buffers_lost > 0 || ov.buffers_with_lost_events > 0)
      notices.append(el("p", { class: "notice", id: "lost-notice", text: "The session lost events (" + n(ov.events_lost) + " events, " + n(ov.buffers_lost) + " buffers): sockets may be incomplete." }));
    if (ov.problem_count > 0)
      notices.append(el("p", { class: "notice bad", id: "damage-notice", text: "The file is damaged: " + n(ov.problem_count) + " problems. Every intact event was read." }));
    const left = ov.sockets - ov.sockets_shown;
    if (left > 0)
      notices.append(el("p", { class: "notice", id: "cap-notice", text: "This report shows " + n(ov.sockets_shown) + " of " + n(ov.sockets) + " sockets: " + n(left) +
        " were left out (failures are kept first, then the sockets that moved the most bytes)." }));
    if (ov.problems.length > 0) {
      const box = document.getElementById("problems");
      box.append(el("h3", { text: "Damage found" }));
      const ul = el("ul", { id: "problem-list" });
      for (const p of ov.problems) ul.append(el("li", { class: "mono", text: p }));
      if (ov.problem_count > ov.problems.length) ul.append(el("li", { text: "… and " + n(ov.problem_count - ov.problems.length) + " more" }));
      box.append(ul);
    }
  }

  function noWinsock() {
    const box = el("div", { class: "notice bad", id: "no-winsock" });
    box.append(el("p", { text: "This trace holds no Winsock events: it says nothing about sockets, so the empty tables below do not mean that nothing went wrong." }));
    const shown = ov.providers.map((p) => (p.name || p.guid) + " (" + n(p.records) + ")");
    const more = ov.provider_count > ov.providers.length ? ", and " + n(ov.provider_count - ov.providers.length) + " more" : "";
    box.append(el("p", { id: "no-winsock-providers", text: shown.length === 0 ? "It holds no event records at all."
      : "It holds " + n(ov.records) + " records of " + (ov.provider_count === 1 ? "one provider" : n(ov.provider_count) + " providers") + ": " + shown.join(", ") + more + "." }));
    const how = el("p", { id: "no-winsock-how" }, "Winsock events come from the Microsoft-Windows-Winsock-AFD provider (and -Sockets, -NameResolution for host names), which is off by default. Record them as an administrator with ",
      el("code", { text: "logman start winsock -p Microsoft-Windows-Winsock-AFD 0xffffffffffffffff 0x5 -o winsock.etl -ets" }), ", reproduce the problem, then ",
      el("code", { text: "logman stop winsock -ets" }), ", and make the report of winsock.etl.");
    box.append(how);
    return box;
  }

  // The three commonest kinds, the rest in one chip whose title names them: a row stays one line high.
  function kindChips(kinds) {
    const f = document.createDocumentFragment();
    const shown = kinds.length > 3 ? kinds.slice(0, 2) : kinds;
    for (const [kind, count] of shown) f.append(el("span", { class: "kind", text: kind + " " + n(count) }), " ");
    const rest = kinds.slice(shown.length);
    if (rest.length > 0) f.append(el("span", { class: "kind more", text: "+" + rest.length + " kinds", title: rest.map(([k, c]) => k + " " + n(c)).join(", ") }));
    return f;
  }

  function renderAnswer() {
    const head = document.getElementById("answer-headline");
    const tables = document.getElementById("answer-tables");
    if (ov.winsock_events === 0) {
      head.textContent = "No Winsock events in this trace: nothing to say about sockets (see above).";
      tables.hidden = true;
      return;
    }
    const noticeText = ov.notices > 0 ? n(ov.notices) + " notices (options set and the like) are counted apart and listed under Findings on demand." : "";
    if (ov.failures === 0) {
      head.append("No failures: nothing went wrong that the trace shows.", el("span", { class: "sub", text: noticeText }));
      tables.hidden = true;
      return;
    }
    const first = ov.first_failure;
    const remotes = data.failing_remote_endpoint_count;
    head.append(n(ov.failures) + (ov.failures === 1 ? " failure" : " failures") + " in " + n(data.failing_process_count) + (data.failing_process_count === 1 ? " process" : " processes") +
      (remotes > 0 ? ", involving " + n(remotes) + (remotes === 1 ? " remote endpoint" : " remote endpoints") : "") + ".");
    if (first) {
      const sub = el("span", { class: "sub", id: "first-failure" }, "First failure at ", el("span", { class: "tok", text: dateTime(first.time) }), " UTC: " + first.kind + (first.process_id === 0 && !first.process ? "" : " in " + processLabel(first.process, first.process_id)));
      if (first.remote || first.remote_name) sub.append(" with ", address(first.remote, first.remote_name));
      sub.append(": " + first.detail + ". " + noticeText);
      head.append(sub);
    }
    const pbody = document.querySelector("#failing-processes tbody");
    for (const p of data.failing_processes) {
      const tr = el("tr", { "data-pid": p.process_id, title: "List its failures" }, el("td", { class: "who", text: processLabel(p.process, p.process_id) }),
        el("td", { class: "num sev-error", text: n(p.failures) }), el("td", null, kindChips(p.kinds)), el("td", { class: "mono", text: clock(p.first) }));
      tr.addEventListener("click", () => showFindings({ pid: p.process_id }));
      pbody.append(tr);
    }
    const rbody = document.querySelector("#failing-remotes tbody");
    for (const r of data.failing_remote_endpoints) {
      const tr = el("tr", { "data-remote": r.remote || r.remote_name, title: "List its failures" }, el("td", { class: "addr" }, address(r.remote || r.remote_name, r.remote ? r.remote_name : null)),
        el("td", { class: "num sev-error", text: n(r.failures) }), el("td", null, kindChips(r.kinds)), el("td", { class: "mono", text: clock(r.first) }));
      tr.addEventListener("click", () => showFindings({ remote: r.remote || r.remote_name }));
      rbody.append(tr);
    }
    const note = (count, shown, what) => count > shown ? "The " + shown + " of " + n(count) + " " + what + " with the most failures. Click one for its failures." : "Click one for its failures.";
    document.getElementById("failing-processes-note").textContent = note(data.failing_process_count, data.failing_processes.length, "processes");
    if (data.failing_remote_endpoints.length === 0) document.getElementById("failing-remotes-note").textContent = "No failure involved a remote endpoint.";
    else document.getElementById("failing-remotes-note").textContent = note(remotes, data.failing_remote_endpoints.length, "remote endpoints");
  }

  // ----- timeline --------------------------------------------------------------------------------------------

  const tooltip = document.getElementById("tooltip");
  function showTip(ev, text) {
    tooltip.textContent = text;
    tooltip.hidden = false;
    const x = Math.min(ev.clientX + 14, window.innerWidth - 470);
    tooltip.style.left = Math.max(0, x) + "px";
    tooltip.style.top = (ev.clientY + 14) + "px";
  }
  function hideTip() { tooltip.hidden = true; }
  function socketTip(s) {
    return "#" + s.id + " " + processLabel(s.process, s.process_id) + "\n" + (s.protocol || "?") + " " + (s.local || "") + (s.remote ? " → " + addressText(s.remote, s.remote_name) : "") +
      "\n" + (s.opened === null ? "before the trace" : clock(s.opened)) + " – " + (s.closed === null ? "after the trace" : clock(s.closed)) +
      "\nsent " + bytes(s.bytes_sent) + ", received " + bytes(s.bytes_received) + "\noutcome: " + s.outcome + (s.error ? " (" + s.error + ")" : "") + (s.aborted && s.abort_reason ? " (" + s.abort_reason + ")" : "");
  }

  function legend(box, items) {
    for (const [label, color] of items) {
      const sp = el("span", { text: label });
      sp.style.setProperty("--swatch", color);
      box.append(sp);
    }
  }

  const MAX_LANES = 40, MAX_ROWS = 8, ROW = 7, LANE_GAP = 6, LABEL = 190, AXIS = 22;
  let timelineLayout = null;

  function layoutTimeline() {
    const groups = new Map();
    for (const s of sockets) {
      if (!groups.has(s.process_id)) groups.set(s.process_id, { pid: s.process_id, name: s.process, list: [] });
      groups.get(s.process_id).list.push(s);
    }
    const failuresOf = new Map(data.processes.map((p) => [p.process_id, p.failures]));
    const rankOf = new Map(data.failing_processes.map((p, i) => [p.process_id, i]));
    for (const g of groups.values()) {
      g.failures = failuresOf.get(g.pid) || 0;
      g.rank = rankOf.has(g.pid) ? rankOf.get(g.pid) : Infinity;
    }
    // The processes that failed come first, in the order the first screen names them: they are what the reader scrolls the timeline for.
    let lanes = [...groups.values()].sort((a, b) => (a.rank === b.rank ? 0 : a.rank < b.rank ? -1 : 1) || b.failures - a.failures || b.list.length - a.list.length || a.pid - b.pid);
    if (lanes.length > MAX_LANES) {
      const rest = lanes.slice(MAX_LANES - 1);
      lanes = lanes.slice(0, MAX_LANES - 1);
      lanes.push({ pid: null, name: rest.length + " more processes", list: rest.flatMap((g) => g.list), other: true });
    }
    let y = 6;
    const findingsByPid = new Map();
    for (const f of data.findings) if (f.severity !== "info") {
      if (!findingsByPid.has(f.process_id)) findingsByPid.set(f.process_id, []);
      findingsByPid.get(f.process_id).push(f);
    }
    for (const lane of lanes) {
      lane.list.sort((a, b) => (a.opened ?? -Infinity) - (b.opened ?? -Infinity) || a.id - b.id);
      const rowEnds = [];
      lane.bars = [];
      for (const s of lane.list) {
        const start = s.opened ?? traceStart, end = s.closed ?? traceEnd;
        let row = rowEnds.findIndex((e) => e <= start);
        if (row < 0) {
          if (rowEnds.length < MAX_ROWS) { row = rowEnds.length; rowEnds.push(end); }
          else { row = rowEnds.indexOf(Math.min(...rowEnds)); }
        }
        rowEnds[row] = Math.max(rowEnds[row], end);
        lane.bars.push({ s, row, start, end });
      }
      lane.rows = Math.max(1, rowEnds.length);
      lane.y = y;
      lane.height = lane.rows * ROW + LANE_GAP;
      lane.findings = lane.other ? [] : (findingsByPid.get(lane.pid) || []);
      y += lane.height;
    }
    // The processes in the order drawn, for whoever reads the page's markup (and its tests).
    document.getElementById("timeline").dataset.lanes = lanes.map((l) => (l.other ? "other" : l.pid)).join(" ");
    return { lanes, height: y + 4 };
  }

  function sizeCanvas(canvas, width, height) {
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.floor(width * ratio);
    canvas.height = Math.floor(height * ratio);
    canvas.style.height = height + "px";
    const g = canvas.getContext("2d");
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    g.font = "11px system-ui, sans-serif";
    return g;
  }

  function drawTimeline() {
    const canvas = document.getElementById("timeline");
    if (!timelineLayout) timelineLayout = layoutTimeline();
    const { lanes, height } = timelineLayout;
    const width = canvas.parentElement.clientWidth || 900;
    const g = sizeCanvas(canvas, width, height);
    const plot = width - LABEL - 10;
    const x = (t) => LABEL + ((t - traceStart) / (traceEnd - traceStart)) * plot;
    timelineLayout.x = x;
    timelineLayout.width = width;
    // The axis stays above the lanes while they scroll.
    const axisCanvas = document.getElementById("timeline-axis");
    const axis = sizeCanvas(axisCanvas, width, AXIS);
    axis.fillStyle = "#5d6676";
    axis.strokeStyle = "#dde1e8";
    g.strokeStyle = "#dde1e8";
    for (let i = 0; i <= 6; i++) {
      const t = traceStart + ((traceEnd - traceStart) * i) / 6;
      const px = x(t);
      axis.beginPath(); axis.moveTo(px, AXIS - 6); axis.lineTo(px, AXIS); axis.stroke();
      g.beginPath(); g.moveTo(px, 0); g.lineTo(px, height); g.stroke();
      axis.textAlign = i === 0 ? "left" : i === 6 ? "right" : "center";
      axis.fillText(i === 0 ? clock(t) : "+" + span(Math.round(t - traceStart)), px, 12);
    }
    g.textAlign = "left";
    for (const lane of lanes) {
      g.fillStyle = "#f2f4f7";
      g.fillRect(LABEL, lane.y, plot, lane.rows * ROW);
      g.fillStyle = "#1d2330";
      let label = lane.other ? lane.name : processLabel(lane.name, lane.pid);
      while (label.length > 4 && g.measureText(label).width > LABEL - 8) label = label.slice(0, -2);
      if (label !== (lane.other ? lane.name : processLabel(lane.name, lane.pid))) label += "…";
      g.fillText(label, 4, lane.y + Math.min(lane.rows * ROW, 12) - 1);
      for (const b of lane.bars) {
        const x0 = x(b.start), x1 = Math.max(x(b.end), x0 + 2);
        const top = lane.y + b.row * ROW;
        g.fillStyle = COLORS[b.s.outcome] || "#888";
        g.fillRect(x0, top + 1, x1 - x0, ROW - 2);
        // Open ends (before or after the trace) are drawn as arrow heads pointing out of the trace.
        if (b.s.opened === null) { g.beginPath(); g.moveTo(x0 - 4, top + ROW / 2); g.lineTo(x0, top); g.lineTo(x0, top + ROW); g.fill(); }
        if (b.s.closed === null) { g.beginPath(); g.moveTo(x1 + 4, top + ROW / 2); g.lineTo(x1, top); g.lineTo(x1, top + ROW); g.fill(); }
      }
      g.fillStyle = COLORS.failed;
      for (const f of lane.findings) {
        const px = x(f.time);
        g.beginPath(); g.moveTo(px - 3, lane.y - 4); g.lineTo(px + 3, lane.y - 4); g.lineTo(px, lane.y + 1); g.fill();
      }
    }
  }

  function timelineHit(ev) {
    const canvas = document.getElementById("timeline");
    const r = canvas.getBoundingClientRect();
    const px = ev.clientX - r.left, py = ev.clientY - r.top;
    if (!timelineLayout || !timelineLayout.x) return null;
    for (const lane of timelineLayout.lanes) {
      if (py < lane.y - 4 || py >= lane.y + lane.height) continue;
      for (const f of lane.findings) if (Math.abs(timelineLayout.x(f.time) - px) <= 3 && py < lane.y + 2) return { finding: f };
      const row = Math.floor((py - lane.y) / ROW);
      let best = null;
      for (const b of lane.bars) {
        if (b.row !== row) continue;
        const x0 = timelineLayout.x(b.start), x1 = Math.max(timelineLayout.x(b.end), x0 + 2);
        if (px >= x0 - 2 && px <= x1 + 2) best = b;
      }
      return best ? { socket: best.s } : null;
    }
    return null;
  }

  function setupTimeline() {
    legend(document.getElementById("timeline-legend"), OUTCOMES.map((o) => [OUTCOME_TEXT[o], COLORS[o]]).concat([["▼ failure (finding)", COLORS.failed]]));
    const more = sockets.length < ov.sockets ? " Only the sockets in this report are drawn." : "";
    const bands = (new Set(sockets.map((s) => s.process_id)).size > MAX_LANES ? "One band per process (the " + (MAX_LANES - 1) + " that failed most or had the most sockets, then the rest together)" : "One band per process") +
      ", those that failed first";
    document.getElementById("timeline-note").textContent = bands + "; each bar is a socket from open to close, " +
      "an arrow where it was open before or after the trace. Point at a bar for its details; click it for its events. Scroll within the chart for more processes." + more;
    const canvas = document.getElementById("timeline");
    canvas.addEventListener("mousemove", (ev) => {
      const hit = timelineHit(ev);
      if (!hit) { hideTip(); canvas.style.cursor = "default"; return; }
      canvas.style.cursor = hit.socket ? "pointer" : "default";
      showTip(ev, hit.socket ? socketTip(hit.socket) : hit.finding.kind + " at " + clock(hit.finding.time) + "\n" + hit.finding.detail);
    });
    canvas.addEventListener("mouseleave", hideTip);
    canvas.addEventListener("click", (ev) => {
      const hit = timelineHit(ev);
      if (hit && hit.socket) openSocket(hit.socket.id);
    });
  }

  // ----- activity --------------------------------------------------------------------------------------------

  function drawActivity() {
    const a = data.activity;
    const canvas = document.getElementById("activity");
    const width = canvas.parentElement.clientWidth || 900, height = 220;
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.floor(width * ratio);
    canvas.height = Math.floor(height * ratio);
    canvas.style.height = height + "px";
    const g = canvas.getContext("2d");
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    const count = a.opened.length;
    if (count === 0) { g.fillStyle = "#5d6676"; g.fillText("No activity in this trace.", 10, 20); return; }
    const left = 56, right = width - 64, top = 10, bottom = height - 24;
    const bw = (right - left) / count;
    const maxOpened = Math.max(1, ...a.opened);
    const maxBytes = Math.max(1, ...a.bytes_sent, ...a.bytes_received);
    g.font = "11px system-ui, sans-serif";
    g.strokeStyle = "#dde1e8";
    g.strokeRect(left, top, right - left, bottom - top);
    g.fillStyle = "#9db4e6";
    for (let i = 0; i < count; i++) {
      const h = ((bottom - top) * a.opened[i]) / maxOpened;
      g.fillRect(left + i * bw, bottom - h, Math.max(1, bw - 1), h);
    }
    g.fillStyle = COLORS.failed;
    for (let i = 0; i < count; i++) if (a.failures[i] > 0) g.fillRect(left + i * bw, bottom + 2, Math.max(2, bw - 1), 4);
    const line = (values, color) => {
      g.strokeStyle = color; g.lineWidth = 1.5; g.beginPath();
      for (let i = 0; i < count; i++) {
        const px = left + (i + 0.5) * bw, py = bottom - ((bottom - top) * values[i]) / maxBytes;
        if (i === 0) g.moveTo(px, py); else g.lineTo(px, py);
      }
      g.stroke(); g.lineWidth = 1;
    };
    line(a.bytes_sent, "#2f8f5b");
    line(a.bytes_received, "#8e2fb5");
    g.fillStyle = "#5d6676";
    g.textAlign = "right";
    g.fillText(n(maxOpened), left - 4, top + 9);
    g.fillText("0", left - 4, bottom);
    g.textAlign = "left";
    g.fillText(bytes(maxBytes), right + 4, top + 9);
    g.fillText("0", right + 4, bottom);
    g.fillText(clock(a.start), left, height - 6);
    g.textAlign = "right";
    g.fillText("+" + span(Math.round(a.bucket * count)), right, height - 6);
    canvas.onmousemove = (ev) => {
      const r = canvas.getBoundingClientRect();
      const i = Math.floor((ev.clientX - r.left - left) / bw);
      if (i < 0 || i >= count) { hideTip(); return; }
      const t0 = a.start + i * a.bucket;
      showTip(ev, clock(Math.round(t0)) + " + " + span(Math.round(a.bucket)) + "\nopened " + n(a.opened[i]) + ", closed " + n(a.closed[i]) +
        "\nsent " + bytes(a.bytes_sent[i]) + ", received " + bytes(a.bytes_received[i]) + "\nfailures " + n(a.failures[i]));
    };
    canvas.onmouseleave = hideTip;
  }

  function setupActivity() {
    legend(document.getElementById("activity-legend"), [["sockets opened (left scale)", "#9db4e6"], ["bytes sent (right scale)", "#2f8f5b"],
      ["bytes received (right scale)", "#8e2fb5"], ["failures", COLORS.failed]]);
    const a = data.activity;
    document.getElementById("activity-note").textContent = a.opened.length + " buckets of " + span(Math.round(a.bucket)) +
      ". Bytes are counted when the operation that moved them completed; every socket of the trace counts, not only those listed.";
  }

  // ----- remotes and processes -------------------------------------------------------------------------------

  function renderRemotes() {
    const body = document.querySelector("#remotes tbody");
    const max = Math.max(1, ...data.remote_endpoints.map((r) => r.bytes_sent + r.bytes_received));
    for (const r of data.remote_endpoints) {
      const bar = el("div", { class: "share" });
      bar.style.width = (100 * (r.bytes_sent + r.bytes_received) / max).toFixed(1) + "%";
      const tr = el("tr", { "data-remote": r.remote }, el("td", { class: "addr" }, address(r.remote, r.remote_name)), el("td", { class: "num", text: n(r.sockets) }),
        el("td", { class: "num", text: bytes(r.bytes_sent), title: n(r.bytes_sent) + " bytes" }), el("td", { class: "num", text: bytes(r.bytes_received), title: n(r.bytes_received) + " bytes" }),
        el("td", { class: "num" + (r.failures > 0 ? " sev-error" : ""), text: n(r.failures) }), el("td", { class: "bar-col" }, bar));
      body.append(tr);
    }
    document.getElementById("remotes-note").textContent = data.remote_endpoints.length === 0 ? "No socket of this trace has a remote endpoint." :
      "The " + data.remote_endpoints.length + " remote endpoints that moved the most bytes. Click one to list its sockets.";
    body.addEventListener("click", (ev) => {
      const tr = ev.target.closest("tr");
      if (tr) filterSockets(tr.dataset.remote);
    });
  }

  function renderProcesses() {
    const body = document.querySelector("#processes tbody");
    for (const p of data.processes) {
      body.append(el("tr", { "data-pid": p.process_id }, el("td", { class: "num", text: p.process_id }), el("td", { text: p.process || "(unknown)" }),
        el("td", { class: "num", text: n(p.sockets) }), el("td", { class: "num", text: bytes(p.bytes_sent) }), el("td", { class: "num", text: bytes(p.bytes_received) }),
        el("td", { class: "num" + (p.failures > 0 ? " sev-error" : ""), text: n(p.failures) }), el("td", { class: "num sev-info", text: n(p.notices) })));
    }
    document.getElementById("processes-note").textContent = (data.processes.length < ov.process_count ? "The " + data.processes.length + " of " + n(ov.process_count) + " processes" : "Every process") +
      " with sockets or findings, the most bytes first. Click one to list its sockets.";
    body.addEventListener("click", (ev) => {
      const tr = ev.target.closest("tr");
      if (!tr) return;
      const p = data.processes.find((x) => String(x.process_id) === tr.dataset.pid);
      filterSockets(p && p.process ? p.process : String(tr.dataset.pid));
    });
  }

  // ----- findings --------------------------------------------------------------------------------------------

  // who: the process (pid) or remote (address or name) a click on the first screen chose, or null.
  const findingState = { kind: "", text: "", shown: PAGE, notices: false, who: null };

  function findingSocket(f) {
    // The socket a finding was about: the same endpoint, open at the finding's time.
    if (!f.endpoint) return null;
    for (const s of sockets) {
      if (s.endpoint !== f.endpoint || s.process_id !== f.process_id) continue;
      if ((s.opened ?? -Infinity) <= f.time && f.time <= (s.closed ?? Infinity)) return s;
    }
    return null;
  }

  function renderFindingKinds() {
    const box = document.getElementById("finding-kinds");
    const select = document.getElementById("finding-kind");
    const sorted = (counts) => Object.entries(counts).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    // Failures first; notices (an option set on every socket of a busy host) apart, after them, and listed on demand.
    const groups = [["failure", sorted(data.failures_by_kind)], ["notice", sorted(data.notices_by_kind)]];
    for (const [severity, kinds] of groups) {
      if (kinds.length === 0) continue;
      box.append(el("span", { class: "chip-label", text: severity === "failure" ? "Failures:" : "Notices:" }));
      const group = el("optgroup", { label: severity === "failure" ? "Failures" : "Notices" });
      for (const [kind, count] of kinds) {
        const b = el("button", { type: "button", "data-kind": kind, "data-severity": severity, "aria-pressed": "false", class: severity === "notice" ? "notice-kind" : null }, kind + " ", el("b", { text: n(count) }));
        b.addEventListener("click", () => { setFindingKind(findingState.kind === kind ? "" : kind); });
        box.append(b);
        group.append(el("option", { value: kind, text: kind + " (" + n(count) + ")" }));
      }
      select.append(group);
    }
    if (ov.finding_count === 0) box.append(el("p", { class: "hint", text: ov.winsock_events === 0 ? "No findings: the trace holds no Winsock events (see the overview)." : "No findings: nothing went wrong that the trace shows." }));
    select.addEventListener("change", () => setFindingKind(select.value));
    const toggle = document.getElementById("finding-notices");
    toggle.addEventListener("change", () => { findingState.notices = toggle.checked; findingState.shown = PAGE; renderFindings(); });
    document.getElementById("finding-filter").addEventListener("input", (ev) => { findingState.text = ev.target.value; findingState.who = null; findingState.shown = PAGE; renderFindings(); });
    document.getElementById("findings-more").addEventListener("click", () => { findingState.shown += PAGE; renderFindings(); });
    document.querySelector("#findings tbody").addEventListener("click", (ev) => {
      const tr = ev.target.closest("tr.linked");
      if (tr) openSocket(Number(tr.dataset.socket));
    });
  }

  function setFindingKind(kind) {
    findingState.kind = kind;
    findingState.shown = PAGE;
    document.getElementById("finding-kind").value = kind;
    for (const b of document.querySelectorAll("#finding-kinds button")) b.setAttribute("aria-pressed", String(b.dataset.kind === kind));
    renderFindings();
  }

  function showFindings(who) {
    document.getElementById("finding-filter").value = "";
    findingState.text = "";
    findingState.who = who;
    findingState.shown = PAGE;
    renderFindings();
    document.getElementById("findings-section").scrollIntoView();
  }

  function renderFindings() {
    const body = document.querySelector("#findings tbody");
    body.replaceChildren();
    const text = findingState.text.trim().toLowerCase();
    // A kind chosen shows its findings whatever their severity; otherwise notices only when asked for.
    const who = findingState.who;
    const list = data.findings.filter((f) => (!who || (who.pid !== undefined ? f.process_id === who.pid : f.remote === who.remote || (!f.remote && f.remote_name === who.remote))) &&
      (findingState.kind ? f.kind === findingState.kind : findingState.notices || f.severity !== "info") &&
      (!text || [f.kind, f.severity, f.process, String(f.process_id), f.remote, f.remote_name, f.detail, f.endpoint].some((v) => v && String(v).toLowerCase().includes(text))));
    for (const f of list.slice(0, findingState.shown)) {
      const s = findingSocket(f);
      const tr = el("tr", s ? { class: "linked", "data-socket": s.id, title: "Show socket #" + s.id } : null,
        el("td", { class: "mono", text: clock(f.time) }), el("td", { text: f.kind }), el("td", { class: "sev-" + f.severity, text: f.severity === "info" ? "notice" : f.severity }),
        el("td", { text: processLabel(f.process, f.process_id) }), el("td", { class: "addr" }, f.remote || f.remote_name ? address(f.remote || f.remote_name, f.remote ? f.remote_name : null) : "–"), el("td", { text: f.detail }));
      body.append(tr);
    }
    const listedAll = data.findings.length < ov.finding_count ? " (" + n(data.findings.length) + " of " + n(ov.finding_count) + " findings are in this report, failures first)" : "";
    const what = findingState.kind ? "findings" : findingState.notices ? "failures and notices" : "failures";
    const hidden = !findingState.kind && !findingState.notices && ov.notices > 0 ? "; " + n(ov.notices) + " notices not shown (tick \u201cshow notices\u201d)" : "";
    const whose = !who ? "" : who.pid !== undefined ? "Of " + processLabel((data.processes.find((p) => p.process_id === who.pid) || {}).process, who.pid) + ": " : "With " + who.remote + ": ";
    document.getElementById("finding-count").textContent = whose + n(Math.min(list.length, findingState.shown)) + " of " + n(list.length) + " " + what + " shown" + hidden + listedAll + ".";
    const more = document.getElementById("findings-more");
    more.hidden = list.length <= findingState.shown;
  }

  // ----- sockets ---------------------------------------------------------------------------------------------

  const socketState = { text: "", outcome: "", key: "id", dir: 1, shown: PAGE, list: sockets, open: new Set() };
  const searchText = new Map();
  function haystack(s) {
    let t = searchText.get(s.id);
    if (t === undefined) {
      t = ["#" + s.id, s.process, String(s.process_id), s.protocol, s.family, s.socket_type, s.local, s.remote, s.remote_name, ...s.peers, s.outcome, s.error, s.abort_reason, s.endpoint, s.socket_handle]
        .filter((v) => v !== null && v !== undefined).join("\u0001").toLowerCase();
      searchText.set(s.id, t);
    }
    return t;
  }
  const sortValue = {
    id: (s) => s.id, process: (s) => (s.process || "").toLowerCase() + "\u0001" + String(s.process_id).padStart(10, "0"), protocol: (s) => s.protocol,
    local: (s) => s.local, remote: (s) => s.remote ?? (s.peers.length ? s.peers[0] : null), opened: (s) => s.opened, duration: duration,
    sent: (s) => s.bytes_sent, received: (s) => s.bytes_received, outcome: (s) => OUTCOMES.indexOf(s.outcome), error: (s) => s.error, event_count: (s) => s.event_count,
  };

  function applySocketFilter() {
    const text = socketState.text.trim().toLowerCase();
    const terms = text.split(/\s+/).filter((t) => t.length > 0);
    const get = sortValue[socketState.key] || sortValue.id;
    const dir = socketState.dir;
    socketState.list = sockets.filter((s) => (!socketState.outcome || s.outcome === socketState.outcome) && terms.every((t) => haystack(s).includes(t)))
      .map((s) => [get(s), s]).sort((a, b) => {
        const x = a[0], y = b[0];
        // Missing values go last whichever way the column sorts.
        if (x === null || x === undefined) return y === null || y === undefined ? a[1].id - b[1].id : 1;
        if (y === null || y === undefined) return -1;
        const c = x < y ? -1 : x > y ? 1 : 0;
        return c !== 0 ? c * dir : a[1].id - b[1].id;
      }).map((p) => p[1]);
  }

  function socketRow(s) {
    const remote = s.remote ?? (s.peers.length === 0 ? "–" : s.peers[0]);
    const remoteCell = el("td", { class: "addr" }, address(remote, s.remote_name));
    if (!s.remote && s.peer_count > 1) remoteCell.append(" ", el("span", { class: "tok host", text: "+" + (s.peer_count - 1) + " peers" }));
    const tr = el("tr", { class: "socket o-" + s.outcome, "data-id": s.id, "aria-expanded": socketState.open.has(s.id) ? "true" : "false" },
      el("td", { class: "num", text: s.id }),
      el("td", { text: processLabel(s.process, s.process_id) }),
      el("td", { text: s.protocol || "–" }),
      el("td", { class: "addr", text: s.local || "–" }),
      remoteCell,
      el("td", { class: "mono", text: s.opened === null ? "before the trace" : clock(s.opened) }),
      el("td", { class: "num toks" }, tokens((s.opened === null ? "≥\u00a0" : "") + span(duration(s)).replace(/ /g, "\u00a0") + (s.closed === null ? " (open)" : ""))),
      el("td", { class: "num", text: bytes(s.bytes_sent), title: n(s.bytes_sent) + " bytes in " + n(s.sends) + " sends" }),
      el("td", { class: "num", text: bytes(s.bytes_received), title: n(s.bytes_received) + " bytes in " + n(s.receives) + " receives" }),
      el("td", null, el("span", { class: "outcome o-" + s.outcome, text: s.outcome })),
      el("td", { class: "mono toks" }, tokens(s.error || (s.aborted ? s.abort_reason || "aborted" : s.datagrams_dropped > 0 ? n(s.datagrams_dropped) + " dropped" : ""))),
      el("td", { class: "num", text: n(s.event_count) }));
    if (socketState.open.has(s.id)) tr.classList.add("open-row");
    return tr;
  }

  function detailRow(s) {
    const box = el("div", { class: "socket-detail" });
    const dl = el("dl");
    const add = (k, v) => { if (v !== null && v !== undefined && v !== "") dl.append(el("dt", { text: k }), el("dd", { text: String(v) })); };
    add("Socket", "#" + s.id);
    add("AFD endpoint", s.endpoint);
    add("Socket handle", s.socket_handle);
    add("Process", processLabel(s.process, s.process_id));
    add("Protocol", [s.protocol, s.family, s.socket_type].filter((v) => v).join(", "));
    add("Local", s.local);
    add("Remote", s.remote ? addressText(s.remote, s.remote_name) : null);
    if (!s.remote && s.remote_name) add("Host name", s.remote_name);
    if (s.peers.length) add("Datagram peers", s.peers.join(", ") + (s.peer_count > s.peers.length ? " … (" + n(s.peer_count) + " in all)" : ""));
    add("Opened", s.opened === null ? "before the trace" : dateTime(s.opened));
    add("Closed", s.closed === null ? "after the trace (still open)" : dateTime(s.closed));
    add("Sent", n(s.bytes_sent) + " bytes in " + n(s.sends) + " sends");
    add("Received", n(s.bytes_received) + " bytes in " + n(s.receives) + " receives");
    if (s.listening) add("Listening", s.backlog === null ? "yes" : "backlog " + s.backlog);
    add("Accepted from", s.accepted_from);
    const opts = Object.entries(s.options);
    if (opts.length) add("Options", opts.map(([k, v]) => k + " = " + v).join(", "));
    add("Outcome", OUTCOME_TEXT[s.outcome] || s.outcome);
    if (s.aborted) add("Abort", s.abort_reason || "aborted");
    if (s.datagrams_dropped > 0) add("Datagrams dropped", n(s.datagrams_dropped));
    add("Error", s.error);
    box.append(dl);
    const note = el("p", { class: "events-note hint" });
    box.append(note);
    if (s.events === null) {
      note.textContent = s.event_count + " events; they are not in this report (it keeps the events of the " + n(ov.sockets_with_events) +
        " most interesting sockets). Run sockscope dump --pid " + s.process_id + " for them.";
    } else {
      note.textContent = s.events.length < s.event_count ? "The first " + n(s.events.length) + " of " + n(s.event_count) + " events." : n(s.events.length) + " events.";
      const table = el("table", { class: "events" });
      table.append(el("thead", null, el("tr", null, ...["Time (UTC)", "After open", "Provider", "Id", "Event", "Opcode", "PID", "TID", "Message"].map((h) => el("th", { text: h })))));
      const body = el("tbody");
      const base = s.opened ?? (s.events.length ? s.events[0][0] : 0);
      for (const e of s.events) {
        const k = data.event_kinds[e[1]] || { provider: "?", id: "?", name: "?", opcode: "?" };
        body.append(el("tr", null, el("td", { class: "mono", text: clock(e[0]) }), el("td", { class: "num", text: "+" + span(e[0] - base) }),
          el("td", { text: k.provider.replace(/^Microsoft-Windows-Winsock-/, "") }), el("td", { class: "num", text: k.id }), el("td", { text: k.name }),
          el("td", { text: k.opcode }), el("td", { class: "num", text: e[2] ?? "–" }), el("td", { class: "num", text: e[3] ?? "–" }), el("td", { class: "msg", text: e[4] })));
      }
      table.append(body);
      box.append(table);
    }
    return el("tr", { class: "detail", "data-detail": s.id }, el("td", { colspan: 12 }, box));
  }

  function renderSockets() {
    const body = document.querySelector("#sockets tbody");
    body.replaceChildren();
    const list = socketState.list;
    const frag = document.createDocumentFragment();
    for (const s of list.slice(0, socketState.shown)) {
      frag.append(socketRow(s));
      if (socketState.open.has(s.id)) frag.append(detailRow(s));
    }
    body.append(frag);
    for (const th of document.querySelectorAll("#sockets th[data-key]"))
      if (th.dataset.key === socketState.key) th.setAttribute("aria-sort", socketState.dir > 0 ? "ascending" : "descending");
      else th.removeAttribute("aria-sort");
    const count = document.getElementById("socket-count");
    count.textContent = n(Math.min(list.length, socketState.shown)) + " of " + n(list.length) + " sockets shown" +
      (list.length !== sockets.length ? " (" + n(sockets.length) + " in this report)" : "") + ". Click a socket for its events.";
    count.dataset.matching = String(list.length);
    document.getElementById("sockets-more").hidden = list.length <= socketState.shown;
  }

  function toggleSocket(id) {
    const body = document.querySelector("#sockets tbody");
    const row = body.querySelector('tr.socket[data-id="' + id + '"]');
    if (socketState.open.has(id)) {
      socketState.open.delete(id);
      const d = body.querySelector('tr.detail[data-detail="' + id + '"]');
      if (d) d.remove();
      if (row) { row.classList.remove("open-row"); row.setAttribute("aria-expanded", "false"); }
      return;
    }
    socketState.open.add(id);
    if (row) {
      row.after(detailRow(byId.get(id)));
      row.classList.add("open-row");
      row.setAttribute("aria-expanded", "true");
    }
  }

  function openSocket(id) {
    const s = byId.get(id);
    if (!s) return;
    let index = socketState.list.indexOf(s);
    if (index < 0) {
      socketState.text = "";
      socketState.outcome = "";
      document.getElementById("socket-filter").value = "";
      document.getElementById("socket-outcome").value = "";
      applySocketFilter();
      index = socketState.list.indexOf(s);
    }
    if (index >= socketState.shown) socketState.shown = Math.ceil((index + 1) / PAGE) * PAGE;
    socketState.open.add(id);
    renderSockets();
    const row = document.querySelector('#sockets tr.socket[data-id="' + id + '"]');
    if (row) row.scrollIntoView({ block: "center" });
  }

  function filterSockets(text) {
    const box = document.getElementById("socket-filter");
    box.value = text;
    socketState.text = text;
    socketState.shown = PAGE;
    applySocketFilter();
    renderSockets();
    document.getElementById("sockets-section").scrollIntoView();
  }

  function setupSockets() {
    const left = ov.sockets - sockets.length;
    document.getElementById("sockets-note").textContent = left > 0
      ? "The " + n(sockets.length) + " most interesting of " + n(ov.sockets) + " sockets (failures first, then the most bytes); " + n(left) + " left out."
      : "Every socket of the trace (" + n(ov.sockets) + ").";
    const select = document.getElementById("socket-outcome");
    const counts = {};
    for (const s of sockets) counts[s.outcome] = (counts[s.outcome] || 0) + 1;
    for (const o of OUTCOMES) if (counts[o]) select.append(el("option", { value: o, text: o + " (" + n(counts[o]) + ")" }));
    select.addEventListener("change", () => { socketState.outcome = select.value; socketState.shown = PAGE; applySocketFilter(); renderSockets(); });
    document.getElementById("socket-filter").addEventListener("input", (ev) => { socketState.text = ev.target.value; socketState.shown = PAGE; applySocketFilter(); renderSockets(); });
    for (const th of document.querySelectorAll("#sockets th[data-key]")) {
      th.addEventListener("click", () => {
        const key = th.dataset.key;
        if (socketState.key === key) socketState.dir = -socketState.dir;
        else { socketState.key = key; socketState.dir = ["sent", "received", "duration", "event_count", "outcome"].includes(key) ? -1 : 1; }
        applySocketFilter();
        renderSockets();
      });
    }
    document.querySelector("#sockets tbody").addEventListener("click", (ev) => {
      const tr = ev.target.closest("tr.socket");
      if (tr) toggleSocket(Number(tr.dataset.id));
    });
    document.getElementById("sockets-more").addEventListener("click", () => { socketState.shown += PAGE; renderSockets(); });
    applySocketFilter();
    renderSockets();
  }

  // ----- start -----------------------------------------------------------------------------------------------

  renderOverview();
  renderAnswer();
  setupTimeline();
  setupActivity();
  renderRemotes();
  renderProcesses();
  renderFindingKinds();
  renderFindings();
  setupSockets();
  drawTimeline();
  drawActivity();
  let resizeTimer = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => { drawTimeline(); drawActivity(); }, 100);
  });
  document.body.dataset.ready = "true";
})();
