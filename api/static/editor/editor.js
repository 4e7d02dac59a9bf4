/*
 * The query editor: YASGUI (https://github.com/zazuko/Yasgui) set up to work offline against
 * this server's SPARQL endpoint, with the query catalogue (queries/manifest.ttl, served as
 * /api/examples) offered as named examples that open in their own tabs.
 *
 * Offline on purpose: YASGUI's defaults reach out to the network (a vocabulary search service
 * for class and property completion, a prefix registry when configured, a CORS proxy, two
 * public endpoints in the endpoint list, shared links that name any endpoint). Each of those is
 * switched off below, and completion uses the ontology's prefixes (kg.rdf.namespaces.PREFIXES) and
 * the classes and properties of this graph, asked from this server's endpoint.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("kg-config").textContent);
  var endpoint = new URL(config.endpoint, window.location.href).href;
  var prefixes = config.prefixes;
  var STARTER =
    "PREFIX mea: <" + prefixes.mea + ">\n" +
    "PREFIX rdfs: <" + prefixes.rdfs + ">\n\n" +
    "# Centres, the agreement each supports and how many Parties each serves\n" +
    "SELECT ?centre ?label ?agreement (COUNT(DISTINCT ?party) AS ?parties) WHERE {\n" +
    "  ?centre a mea:Centre ; rdfs:label ?label .\n" +
    "  OPTIONAL { ?centre mea:underAgreement ?agreement }\n" +
    "  OPTIONAL { ?centre mea:serves ?party }\n" +
    "}\nGROUP BY ?centre ?label ?agreement\nORDER BY ?label\n";

  document.getElementById("endpoint-url").textContent = endpoint;

  /** The page on this server that describes an IRI, or null for IRIs it does not hold. */
  function localPage(iri) {
    var entityBase = config.baseIri + "/id/";
    if (iri.indexOf(entityBase) === 0) {
      var parts = iri.slice(entityBase.length).split("/");
      if (parts.length === 2 && parts[0] && parts[1] && !/[?#]/.test(parts[1])) {
        return "/id/" + encodeURIComponent(parts[0]) + "/" + encodeURIComponent(parts[1]);
      }
    }
    for (var i = 0; i < config.localNamespaces.length; i++) {
      if (iri.indexOf(config.localNamespaces[i]) === 0) {
        return "/entity?iri=" + encodeURIComponent(iri);
      }
    }
    return null;
  }

  // Result tables link the graph's own IRIs to their entity pages here, not to the web.
  var Table = Yasgui.Yasr.plugins.table;
  if (Table && Table.prototype.getUriLinkFromBinding) {
    var linkFromBinding = Table.prototype.getUriLinkFromBinding;
    Table.prototype.getUriLinkFromBinding = function (binding, tablePrefixes) {
      var html = linkFromBinding.call(this, binding, tablePrefixes);
      var page = localPage(binding.value);
      // The markup is sanitised (DOMPurify), which rewrites attributes with double quotes.
      return page ? html.replace(/href=(["'])[^"']*\1/, 'href="' + page + '"') : html;
    };
  }

  /** SELECT the values of ?t from this endpoint (for completion lists); [] on failure. */
  function selectIris(query) {
    var body = new URLSearchParams({ query: query });
    return fetch(endpoint, {
      method: "POST",
      body: body,
      headers: { Accept: "application/sparql-results+json" },
    })
      .then(function (r) { return r.ok ? r.json() : { results: { bindings: [] } }; })
      .then(function (json) {
        return json.results.bindings
          .filter(function (b) { return b.t && b.t.type === "uri"; })
          .map(function (b) { return b.t.value; });
      })
      .catch(function () { return []; });
  }

  var CLASSES =
    "SELECT DISTINCT ?t WHERE { { ?s a ?t } UNION { ?t a <http://www.w3.org/2002/07/owl#Class> } }";
  var PROPERTIES =
    "SELECT DISTINCT ?t WHERE { { ?s ?t ?o } UNION " +
    "{ ?t a <http://www.w3.org/2002/07/owl#ObjectProperty> } UNION " +
    "{ ?t a <http://www.w3.org/2002/07/owl#DatatypeProperty> } }";

  function registerCompleters(classes, properties) {
    var Yasqe = Yasgui.Yasqe;
    var prefixLines = Object.keys(prefixes).sort().map(function (p) {
      return p + ": <" + prefixes[p] + ">";
    });
    // `get` as an array: the lists come from here, never from a web service. Each has its
    // own persistence id, since YASQE would otherwise store them under the query's own key.
    Yasqe.forkAutocompleter("prefixes", {
      name: "kg-prefixes", get: prefixLines, persistenceId: "kg-prefixes",
    }, false);
    Yasqe.forkAutocompleter("class", {
      name: "kg-classes", get: classes, bulk: true, persistenceId: "kg-classes",
    }, false);
    Yasqe.forkAutocompleter("property", {
      name: "kg-properties", get: properties, bulk: true, persistenceId: "kg-properties",
    }, false);
    // In place, so every copy of the defaults drops the network-backed "class" and "property"
    // completers (YASGUI merges arrays index by index, it does not replace them).
    var enabled = Yasqe.defaults.autocompleters;
    enabled.splice(0, enabled.length, "variables", "kg-prefixes", "kg-classes", "kg-properties");
  }

  function createEditor() {
    return new Yasgui(document.getElementById("yasgui"), {
      requestConfig: { endpoint: endpoint, method: "POST" },
      copyEndpointOnNewTab: true,
      corsProxy: undefined,
      // Only this endpoint in the endpoint list (the defaults are DBpedia and Wikidata).
      endpointCatalogueOptions: {
        getData: function () { return [{ endpoint: endpoint }]; },
        keys: [],
      },
      // A shared link (the share button) opens as a tab and runs at once: always against this
      // endpoint, whatever endpoint the link names.
      populateFromUrl: function (tab) {
        tab.requestConfig = Object.assign({}, tab.requestConfig, { endpoint: endpoint });
        return tab;
      },
      persistenceId: "mea-kg-editor",
      yasqe: {
        value: STARTER,
        prefixCcApi: null,
        createShortLink: undefined,
        consumeShareLink: null,
        editorHeight: "320px",
      },
      yasr: {
        // Result IRIs shown short; entities as id:kind/key.
        prefixes: Object.assign({ id: config.baseIri + "/id/" }, prefixes),
        defaultPlugin: "table",
        pluginOrder: ["table", "response"],
      },
    });
  }

  /** Open ``example`` in its own tab (or select the tab it already has). */
  function openExample(yasgui, example) {
    var tab = yasgui.tabNameTaken(example.name);
    if (tab) {
      yasgui.selectTabId(tab.getId());
      return tab;
    }
    return yasgui.addTab(true, {
      name: example.name,
      yasqe: { value: example.query },
      requestConfig: { endpoint: endpoint },
    });
  }

  function showExamples(yasgui, examples) {
    var list = document.getElementById("example-list");
    var filter = document.getElementById("example-filter");
    examples.forEach(function (example) {
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "example";
      button.dataset.name = example.name;
      button.title = "Open " + example.name + ".rq in a new tab";
      var number = document.createElement("span");
      number.className = "number";
      number.textContent = example.name.split("-")[0];
      var question = document.createElement("span");
      question.className = "question";
      question.textContent = example.question; // text, never HTML
      var name = document.createElement("span");
      name.className = "name";
      name.textContent = example.name;
      button.append(number, question, name);
      button.addEventListener("click", function () { openExample(yasgui, example); });
      item.appendChild(button);
      list.appendChild(item);
    });
    filter.addEventListener("input", function () {
      var needle = filter.value.trim().toLowerCase();
      Array.prototype.forEach.call(list.children, function (item) {
        item.hidden = needle !== "" && item.textContent.toLowerCase().indexOf(needle) < 0;
      });
    });
    document.getElementById("examples-status").textContent =
      examples.length + " questions from queries/manifest.ttl";
  }

  var examplesLoaded = fetch(config.examples).then(function (r) {
    if (!r.ok) throw new Error("HTTP " + r.status);
    return r.json();
  });

  Promise.all([selectIris(CLASSES), selectIris(PROPERTIES)]).then(function (lists) {
    registerCompleters(lists[0], lists[1]);
    var yasgui = createEditor();
    window.meaEditor = yasgui; // for scripting and tests
    examplesLoaded.then(
      function (examples) { showExamples(yasgui, examples); },
      function (err) {
        document.getElementById("examples-status").textContent =
          "Could not load the examples (" + err.message + ").";
      }
    );
    document.body.dataset.ready = "true";
  });
})();
