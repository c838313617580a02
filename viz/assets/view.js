// swarmgraph view: one subgraph drawn with vis-network, with its time slider and playback, and the lanes and time
// axis of the timeline layout. Shared by `swarmgraph viz` pages and the graph section of `swarmgraph report`.
// Data arrives as JSON text and only ever becomes DataSet values: labels are drawn on canvas and string tooltips
// are set with innerText by vis-network, so no text from the data is parsed as HTML. Lane names and times are drawn
// on the canvas (fillText) and set as textContent.
function swarmgraphView(root, data) {
  "use strict";
  var status = root.querySelector(".sg-status");
  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges);
  var network = new vis.Network(root.querySelector(".sg-graph"), { nodes: [], edges: [] }, data.options);
  var view = { network: network, nodes: nodes, edges: edges };

  function settled() {
    if (window.swarmgraphStableAt !== undefined) { return; }
    // Freeze the layout: with physics off, large graphs stay responsive to pan, zoom and drag.
    network.setOptions({ physics: { enabled: false } });
    if (data.timeline) { network.fit({ animation: false }); }
    window.swarmgraphStableAt = performance.now();
    status.textContent = "";
    network.once("afterDrawing", function () { window.swarmgraphDrawnAt = performance.now(); });
    network.redraw();
  }

  var layoutStartedAt;
  network.on("stabilizationProgress", function (p) {
    if (layoutStartedAt === undefined) { layoutStartedAt = performance.now(); }
    status.textContent = "Laying out… " + Math.round(100 * p.iterations / p.total) + "%";
    // Past the budget, keep the layout reached so far: it ends stabilisation and fires IterationsDone.
    if (performance.now() - layoutStartedAt > data.stabilizeBudgetMs) { network.stopSimulation(); }
  });
  network.once("stabilizationIterationsDone", settled);
  if (data.timeline) { drawLanes(network, data.timeline); }
  // Handlers first, data second: a small graph may stabilise before a handler attached later would see it.
  network.setData({ nodes: nodes, edges: edges });
  if (data.time) { view.time = timeControls(root, view, data.time); }
  if (!data.options.physics.enabled || nodes.length === 0) { settled(); }
  return view;
}

// Lanes as bands with their platform's name at the view's left edge, and a labelled vertical line per tick, under
// the nodes. Text sizes are divided by the zoom so they stay readable at any scale.
function drawLanes(network, timeline) {
  "use strict";
  network.on("beforeDrawing", function (ctx) {
    var scale = network.getScale();
    var edge = network.DOMtoCanvas({ x: 0, y: 0 }).x;
    var left = Math.min(timeline.left, edge), width = Math.max(timeline.right, edge + 1e5) - left;
    var top = timeline.lanes.length ? timeline.lanes[0].top : 0;
    var bottom = timeline.lanes.length ? timeline.lanes[timeline.lanes.length - 1].bottom : 0;
    ctx.save();
    timeline.lanes.forEach(function (lane, i) {
      ctx.fillStyle = i % 2 ? "#eef1f5" : "#f8f9fb";
      ctx.fillRect(left, lane.top - 10, width, lane.bottom - lane.top + 20);
    });
    ctx.strokeStyle = "rgba(84, 110, 122, 0.35)";
    ctx.fillStyle = "#546e7a";
    ctx.font = (12 / scale) + "px sans-serif";
    ctx.lineWidth = 1 / scale;
    timeline.ticks.forEach(function (tick) {
      ctx.beginPath();
      ctx.moveTo(tick.x, top - 10);
      ctx.lineTo(tick.x, bottom + 10);
      ctx.stroke();
      ctx.fillText(tick.label, tick.x + 3 / scale, top - 14);
    });
    ctx.font = "bold " + (13 / scale) + "px sans-serif";
    timeline.lanes.forEach(function (lane) {
      var w = ctx.measureText(lane.name).width;
      ctx.fillStyle = "rgba(255, 255, 255, 0.85)";
      ctx.fillRect(edge + 4 / scale, lane.top - 10 / scale, w + 8 / scale, 18 / scale);
      ctx.fillStyle = "#263238";
      ctx.fillText(lane.name, edge + 8 / scale, lane.top + 4 / scale);
    });
    ctx.restore();
  });
}

// The time slider: nodes appear at their t0 (ms), turn grey from their t1 (removed, suspended); an edge shows
// from its t0 once both ends show. Playback moves the slider from the start to the end in time.playMs.
function timeControls(root, view, time) {
  "use strict";
  var STEPS = 1000, GREY = { background: "#e3e3e3", border: "#bdbdbd" };
  var bar = root.querySelector(".sg-timebar");
  var slider = bar.querySelector("input");
  var button = bar.querySelector("button");
  var label = bar.querySelector(".sg-time");
  var count = bar.querySelector(".sg-count");
  var nodeList = view.nodes.get({ fields: ["id", "t0", "t1", "color"] });
  var appear = {};
  nodeList.forEach(function (n) { appear[n.id] = n.t0 === undefined ? null : n.t0; });
  // vis-network leaves out the edges of hidden nodes by itself: only an edge that appears after both its ends
  // (a LISTS seen later) needs hiding of its own. Fewer updates keep playback fast.
  var edgeList = view.edges.get({
    fields: ["id", "from", "to", "t0"],
    filter: function (e) {
      var a = appear[e.from], b = appear[e.to];
      return e.t0 !== undefined && e.t0 !== null && (a === null || e.t0 > a) && (b === null || e.t0 > b);
    },
  });
  var state = {}, shown = {}, colour = {};
  nodeList.forEach(function (n) { state[n.id] = 1; colour[n.id] = n.color; });
  edgeList.forEach(function (e) { shown[e.id] = true; });
  // playMs: how long playback takes over the whole span; frames: the intervals between the frames it drew (ms).
  var control = { min: time.min, max: time.max, current: time.max, playing: false, frames: [], playMs: time.playMs };
  bar.hidden = false;
  slider.min = 0;
  slider.max = STEPS;

  function stateAt(n, t) {
    if (n.t0 !== undefined && n.t0 !== null && t < n.t0) { return 0; }
    return n.t1 !== undefined && n.t1 !== null && t >= n.t1 ? 2 : 1;
  }

  // DataSet updates re-parse every changed node's options and rebuild the network's state (about 0.4 s for 1,000
  // nodes); the slider flips vis-network's own hidden flags and rebuilds only its visible-node index (a few ms).
  // Where those internals are missing (another vis-network version), it falls back to DataSet updates.
  var net = view.network;
  var direct = net.body && net.body.nodes && typeof net._updateVisibleIndices === "function";
  function apply(nodeChanges, edgeChanges) {
    if (!nodeChanges.length && !edgeChanges.length) { return; }
    if (!direct) {
      if (nodeChanges.length) { view.nodes.update(nodeChanges); }
      if (edgeChanges.length) { view.edges.update(edgeChanges); }
      return;
    }
    nodeChanges.forEach(function (c) {
      var node = net.body.nodes[c.id];
      if (node.options.hidden !== c.hidden) { node.options.hidden = c.hidden; }
      if (c.recolour) { node.setOptions({ color: c.color }); }
    });
    edgeChanges.forEach(function (c) { net.body.edges[c.id].options.hidden = c.hidden; });
    net._updateVisibleIndices();
    net.redraw();
  }
  control.shown = function (id) { return state[id] !== 0; };
  control.removed = function (id) { return state[id] === 2; };

  control.set = function (t) {
    t = Math.max(time.min, Math.min(time.max, t));
    var nodeChanges = [], edgeChanges = [], visible = 0;
    nodeList.forEach(function (n) {
      var s = stateAt(n, t);
      if (s) { visible += 1; }
      if (s !== state[n.id]) {
        var recolour = (s === 2) !== (state[n.id] === 2);
        state[n.id] = s;
        nodeChanges.push({ id: n.id, hidden: s === 0, color: s === 2 ? GREY : colour[n.id], recolour: recolour });
      }
    });
    edgeList.forEach(function (e) {
      var on = t >= e.t0;
      if (on !== shown[e.id]) { shown[e.id] = on; edgeChanges.push({ id: e.id, hidden: !on }); }
    });
    apply(nodeChanges, edgeChanges);
    control.current = t;
    control.visible = visible;
    slider.value = String(Math.round(STEPS * (t - time.min) / Math.max(time.max - time.min, 1)));
    label.textContent = new Date(t).toISOString().slice(0, 16).replace("T", " ") + " UTC";
    count.textContent = visible.toLocaleString("en") + " of " + nodeList.length.toLocaleString("en") + " nodes";
    return visible;
  };

  var last;
  function frame(now) {
    if (!control.playing) { return; }
    if (last !== undefined) { control.frames.push(now - last); }
    var dt = last === undefined ? 0 : now - last;
    last = now;
    control.set(control.current + (time.max - time.min) * dt / control.playMs);
    if (control.current >= time.max) { control.pause(); return; }
    window.requestAnimationFrame(frame);
  }
  control.play = function () {
    if (control.playing) { return; }
    if (control.current >= time.max) { control.set(time.min); }
    control.playing = true;
    control.frames = [];
    last = undefined;
    button.textContent = "❚❚";
    button.setAttribute("aria-label", "Pause");
    window.requestAnimationFrame(frame);
  };
  control.pause = function () {
    control.playing = false;
    button.textContent = "▶";
    button.setAttribute("aria-label", "Play");
  };
  button.addEventListener("click", function () { if (control.playing) { control.pause(); } else { control.play(); } });
  slider.addEventListener("input", function () {
    control.pause();
    control.set(time.min + (time.max - time.min) * Number(slider.value) / STEPS);
  });
  control.set(time.max);
  return control;
}
