/* The browser graph view of the MEA knowledge graph (/viz).
 *
 * Everything comes from this server's JSON API (/api/graph/search, /api/neighbours,
 * /api/indicators, /api/graph/info); Cytoscape.js is served from /vendor/cytoscape. No other
 * host is ever contacted. Page state is exposed as window.kgViz for tests and the console:
 * kgViz.cy (the Cytoscape instance), kgViz.busy (requests in flight), kgViz.expand(iri),
 * kgViz.add(iri).
 */
(function () {
  "use strict";

  /* Colours by kind: the same palette as the GEXF/DOT exports (kg.graph.export.KIND_COLOURS). */
  var PALETTE = [
    ["Agreement", "#1f77b4"], ["Decision", "#6baed6"], ["Meeting", "#9ecae1"],
    ["Centre", "#d62728"], ["Organisation", "#ff9896"], ["Country", "#8c564b"],
    ["Workplan", "#2ca02c"], ["Outcome", "#98df8a"], ["Activity", "#ff7f0e"],
    ["Event", "#ffbb78"], ["Output", "#c7c7c7"], ["Goal", "#9467bd"], ["Target", "#9467bd"],
    ["GBFIndicator", "#e377c2"], ["IndicatorClaim", "#f7b6d2"], ["Indicator", "#bcbd22"],
    ["Document", "#7f7f7f"]
  ];
  var DEFAULT_COLOUR = "#aec7e8";
  /* Most specific kinds -> their family, for answers that carry one kind only. */
  var FAMILY = {
    TSCSupportCentre: "Centre", RegionalCentre: "Centre", InformationCentre: "Centre",
    Convention: "Agreement", Protocol: "Agreement", Party: "Country", Committee: "Organisation"
  };
  /* Kinds whose expansion also draws the paths to the GBF headline indicators. */
  var CONTRIBUTORS = ["Activity", "Outcome", "Workplan", "Centre", "Organisation", "Project",
    "Event", "Output"];

  var state = { busy: 0, base: "", expanded: new Set(), indicators: {}, errors: [] };

  function colourOf(kinds) {
    for (var i = 0; i < PALETTE.length; i++) {
      if (kinds.indexOf(PALETTE[i][0]) >= 0) return PALETTE[i][1];
    }
    return DEFAULT_COLOUR;
  }

  function kindsOf(node) {
    var kinds = (node.kinds && node.kinds.length) ? node.kinds.slice() : [node.kind];
    if (FAMILY[node.kind] && kinds.indexOf(FAMILY[node.kind]) < 0) kinds.push(FAMILY[node.kind]);
    return kinds;
  }

  function short(label) {
    return label.length > 40 ? label.slice(0, 39) + "…" : label;
  }

  var cy = cytoscape({
    container: document.getElementById("cy"),
    wheelSensitivity: 0.3,
    style: [
      { selector: "node", style: {
        "background-color": "data(colour)", "label": "data(short)", "font-size": 9,
        "width": 18, "height": 18, "text-valign": "bottom", "text-margin-y": 3, "color": "#333",
        "text-background-color": "#fff", "text-background-opacity": 0.7 } },
      { selector: "node.expanded", style: { "border-width": 2, "border-color": "#333" } },
      { selector: "node.indicator", style: { "shape": "diamond", "width": 24, "height": 24 } },
      { selector: "node.target", style: { "shape": "round-rectangle", "width": 22, "height": 22 } },
      { selector: "node.on-path", style: { "border-width": 3, "border-color": "#e6550d" } },
      { selector: "edge", style: {
        "width": 1, "line-color": "#c8c8c8", "target-arrow-color": "#c8c8c8",
        "target-arrow-shape": "triangle", "arrow-scale": 0.7, "curve-style": "bezier",
        "label": "data(label)", "font-size": 7, "color": "#888", "text-rotation": "autorotate",
        "text-opacity": 0 } },
      { selector: "edge.on-path", style: {
        "width": 3, "line-color": "#e6550d", "target-arrow-color": "#e6550d", "text-opacity": 1 } },
      { selector: "node:selected", style: { "overlay-color": "#000", "overlay-opacity": 0.15 } },
      { selector: ".filtered", style: { "display": "none" } },
      { selector: ".plain.on-path", style: { "border-width": 0 } },
      { selector: "edge.plain.on-path", style: {
        "width": 1, "line-color": "#c8c8c8", "target-arrow-color": "#c8c8c8", "text-opacity": 0 } },
      /* A link no document asserts (include=suggested): dashed, whatever else it is. */
      { selector: "edge.suggested", style: {
        "width": 2, "line-style": "dashed", "line-color": "#c99a2e",
        "target-arrow-color": "#c99a2e", "text-opacity": 1, "color": "#7a5200" } }
    ],
    layout: { name: "grid" }
  });

  /* ------------------------------------------------------------------ requests */

  function status(text) {
    document.getElementById("status").textContent = text;
  }

  function api(path, params) {
    var query = new URLSearchParams();
    Object.keys(params || {}).forEach(function (k) {
      var v = params[k];
      (Array.isArray(v) ? v : [v]).forEach(function (x) { query.append(k, x); });
    });
    state.busy += 1;
    return fetch(path + "?" + query.toString(), { headers: { accept: "application/json" } })
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) {
            var err = new Error(body.message || ("HTTP " + r.status));
            err.body = body;
            throw err;
          }
          return body;
        });
      })
      .catch(function (err) {
        state.errors.push(String(err.message || err));
        status(err.message || String(err));
        throw err;
      })
      .finally(function () { state.busy -= 1; });
  }

  /* ------------------------------------------------------------------ graph */

  function addNode(node) {
    var existing = cy.getElementById(node.iri);
    var kinds = kindsOf(node);
    if (existing.nonempty()) {
      if (node.kinds && node.kinds.length) existing.data("kinds", kinds);
      if (node.conventions) existing.data("conventions", node.conventions);
      return existing;
    }
    var added = cy.add({ group: "nodes", data: {
      id: node.iri, label: node.label, short: short(node.label), kind: node.kind,
      kinds: kinds, code: node.code || null, conventions: node.conventions || [],
      colour: colourOf(kinds) } });
    if (kinds.indexOf("GBFIndicator") >= 0) added.addClass("indicator");
    if (kinds.indexOf("Target") >= 0 || kinds.indexOf("Goal") >= 0) added.addClass("target");
    return added;
  }

  function addEdge(edge) {
    var existing = cy.getElementById(edge.id);
    if (existing.nonempty()) return existing;
    if (cy.getElementById(edge.source).empty() || cy.getElementById(edge.target).empty()) {
      return cy.collection();
    }
    return cy.add({ group: "edges", data: {
      id: edge.id, source: edge.source, target: edge.target, predicate: edge.predicate,
      label: edge.label, inferred: !!edge.inferred } });
  }

  function layout() {
    var options = { name: "cose", animate: false, randomize: false, fit: true, padding: 30,
      idealEdgeLength: 100, nodeOverlap: 20, componentSpacing: 100, nodeRepulsion: 400000,
      edgeElasticity: 100, nestingFactor: 5, gravity: 80, numIter: 1000, initialTemp: 200,
      coolingFactor: 0.95, minTemp: 1.0 };
    cy.layout(options).run();
    applyFilter();
    status(cy.nodes().length + " nodes, " + cy.edges().length + " edges");
  }

  function place(newNodes, around) {
    /* New nodes start near the node they were reached from, so the layout stays stable. */
    var p = around && around.nonempty() ? around.position() : { x: 0, y: 0 };
    newNodes.forEach(function (n, i) {
      var angle = (2 * Math.PI * i) / Math.max(newNodes.length, 1);
      n.position({ x: p.x + 120 * Math.cos(angle), y: p.y + 120 * Math.sin(angle) });
    });
  }

  function isContributor(kinds) {
    return CONTRIBUTORS.some(function (k) { return kinds.indexOf(k) >= 0; });
  }

  function add(iri) {
    return api("/api/neighbours", { for: iri, depth: 0 }).then(function (sub) {
      var node = addNode(sub.nodes[0]);
      layout();
      select(node);
      return node;
    });
  }

  function expand(iri) {
    var center = cy.getElementById(iri);
    var before = new Set(cy.nodes().map(function (n) { return n.id(); }));
    var jobs = [api("/api/neighbours", { for: iri, depth: 1 }).then(function (sub) {
      sub.nodes.forEach(addNode);
      sub.edges.forEach(addEdge);
    })];
    var kinds = center.nonempty() ? center.data("kinds") : [];
    if (isContributor(kinds)) {
      var asked = { for: iri, paths: 3 };
      if (document.getElementById("suggested").checked) asked.include = "suggested";
      jobs.push(api("/api/indicators", asked).then(function (answer) {
        state.indicators[iri] = answer;
        drawIndicatorPaths(answer);
      })
        .catch(function () { /* not every organisation contributes: nothing to draw */ }));
    }
    return Promise.all(jobs).then(function () {
      state.expanded.add(iri);
      center = cy.getElementById(iri);
      center.addClass("expanded");
      var fresh = cy.nodes().filter(function (n) { return !before.has(n.id()); });
      place(fresh, center);
      layout();
      select(center);
    });
  }

  function drawIndicatorPaths(answer) {
    answer.indicators.forEach(function (indicator) {
      indicator.paths.forEach(function (path) {
        path.nodes.forEach(function (n) { addNode(n).addClass("on-path"); });
        path.edges.forEach(function (e) { addEdge(e).addClass("on-path"); });
      });
      if (indicator.suggested) drawSuggested(indicator);
    });
  }

  /* An indicator reached through a suggested target: the entity, the target and the
   * indicator, joined by dashed edges that say they are suggestions (never asserted). */
  function drawSuggested(indicator) {
    var node = { iri: indicator.iri, label: indicator.code + " " + indicator.title,
      kind: "GBFIndicator", kinds: ["GBFIndicator"], code: indicator.code };
    addNode(node);
    indicator.suggestions.forEach(function (s) {
      addNode(s.entity);
      addNode(s.target);
      addEdge({ id: "suggested|" + s.entity.iri + "|" + s.target.iri, source: s.entity.iri,
        target: s.target.iri, predicate: "suggested", label: "suggested (" +
        s.score.toFixed(1) + "): " + s.evidence.join(", ") }).addClass("suggested");
      addEdge({ id: "suggested|" + s.target.iri + "|" + indicator.iri, source: s.target.iri,
        target: indicator.iri, predicate: "mea:hasHeadlineIndicator",
        label: "has headline indicator" }).addClass("suggested");
    });
  }

  /* ------------------------------------------------------------------ details panel */

  function el(tag, text, attrs) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }

  function entityPage(iri) {
    /* Entities under the base IRI are served by this server at their own path
       (<base>/id/kind/key -> /id/kind/key); others (KMGBF concepts) by their publisher. */
    if (state.base && iri.indexOf(state.base + "/") === 0) return iri.slice(state.base.length);
    return iri;
  }

  function select(node) {
    cy.nodes().unselect();
    node.select();
    var panel = document.getElementById("details");
    panel.replaceChildren();
    var h = el("h2", node.data("label"));
    h.appendChild(el("span", node.data("kind"), { class: "kind" }));
    panel.appendChild(h);
    var link = el("a", node.id(), { href: entityPage(node.id()), class: "iri", id: "entity-link" });
    if (link.getAttribute("href") === node.id()) {
      link.setAttribute("rel", "noopener noreferrer");
      link.setAttribute("target", "_blank");
    }
    panel.appendChild(link);
    var conv = node.data("conventions") || [];
    if (conv.length) panel.appendChild(el("p", "Conventions: " + conv.map(function (c) {
      var n = cy.getElementById(c);
      return n.nonempty() ? n.data("label") : c.split("/").pop();
    }).join(", ")));
    panel.appendChild(el("p", state.expanded.has(node.id())
      ? "Expanded." : "Click the node to expand it.", { class: "hint" }));
    if (state.indicators[node.id()]) showIndicators(state.indicators[node.id()]);
  }

  function showIndicators(answer) {
    var panel = document.getElementById("details");
    var box = el("section", null, { id: "indicators" });
    box.appendChild(el("h3", "GBF headline indicators (" + answer.indicators.length + ")"));
    var list = el("ul");
    answer.indicators.forEach(function (i) {
      var item = el("li", i.code + " " + i.title + (i.suggested ? " (suggested, not asserted)" : ""));
      item.title = i.paths.map(function (p) {
        return p.nodes.map(function (n) { return n.label; }).join(" → ");
      }).join("\n");
      list.appendChild(item);
    });
    box.appendChild(list);
    if (answer.claims.length) {
      box.appendChild(el("h3", "Indicator claims in the documents (" + answer.claims.length + ")"));
      var claims = el("ul");
      answer.claims.forEach(function (c) {
        claims.appendChild(el("li", (c.code || "?") + " " + (c.claimed_title || "") + " — " +
          c.status, { class: "claim-" + c.status.replace(/ /g, "-") }));
      });
      box.appendChild(claims);
    }
    var old = document.getElementById("indicators");
    if (old) old.remove();
    panel.appendChild(box);
  }

  /* ------------------------------------------------------------------ controls */

  function applyFilter() {
    var wanted = document.getElementById("convention").value;
    cy.batch(function () {
      cy.nodes().forEach(function (n) {
        var conv = n.data("conventions") || [];
        var hide = wanted && conv.length > 0 && conv.indexOf(wanted) < 0;
        n.toggleClass("filtered", !!hide);
      });
      var plain = !document.getElementById("highlight").checked;
      cy.elements(".on-path").toggleClass("plain", plain);
    });
  }

  function showResults(found) {
    var list = document.getElementById("results");
    list.replaceChildren();
    if (!found.length) {
      list.appendChild(el("li", "Nothing matches."));
      return;
    }
    found.forEach(function (n) {
      var li = el("li");
      var b = el("button", n.label, { type: "button", "data-iri": n.iri });
      b.addEventListener("click", function () {
        list.replaceChildren();
        add(n.iri);
      });
      li.appendChild(b);
      li.appendChild(el("span", n.kind, { class: "kind" }));
      list.appendChild(li);
    });
  }

  document.getElementById("search-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var q = document.getElementById("search").value.trim();
    if (q) api("/api/graph/search", { q: q, limit: 25 }).then(showResults);
  });
  document.getElementById("convention").addEventListener("change", applyFilter);
  document.getElementById("highlight").addEventListener("change", applyFilter);
  document.getElementById("relayout").addEventListener("click", function () { layout(); });
  document.getElementById("clear").addEventListener("click", function () {
    cy.elements().remove();
    state.expanded.clear();
    document.getElementById("details").replaceChildren();
    status("");
  });
  cy.on("tap", "node", function (ev) {
    var node = ev.target;
    if (state.expanded.has(node.id())) select(node);
    else expand(node.id());
  });

  api("/api/graph/info").then(function (info) {
    state.base = info.base_iri;
    var dropdown = document.getElementById("convention");
    info.conventions.forEach(function (c) {
      dropdown.appendChild(el("option", c.label + " (" + c.nodes + ")", { value: c.iri }));
    });
    var legend = document.getElementById("legend");
    PALETTE.forEach(function (p) {
      var s = el("span", p[0]);
      s.style.setProperty("--c", p[1]);
      legend.appendChild(s);
    });
    status(info.nodes + " nodes and " + info.edges + " edges in the graph");
    var start = new URLSearchParams(window.location.search).get("for");
    if (start) add(start).then(function (n) { return expand(n.id()); });
  });

  window.kgViz = {
    cy: cy,
    state: state,
    get busy() { return state.busy; },
    add: add,
    expand: expand,
    nodes: function () { return cy.nodes().map(function (n) { return n.data(); }); }
  };
})();
