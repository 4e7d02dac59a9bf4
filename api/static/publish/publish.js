/*
 * The publish page (/publish): secretariat staff check a source document against the graph's
 * shapes, see what it would change, and publish it as a new version, without writing a request
 * by hand. It drives the JSON API of api/routers/sources.py:
 *
 *   GET /sources                          the keys offered in the source field
 *   PUT /sources/{key}?dry_run=true       Check: the findings and the diff, nothing published
 *   PUT /sources/{key}?dry_run=false      Publish: the bytes that passed the check
 *   POST /sources/{key}/import?mapping=…  the same for a table (workbook, CSV, Word) read
 *                                         through the layout (mapping) chosen
 *   GET /sources/{key}/history            who changed the source, when, and how
 *
 * Two rules hold throughout:
 * - Text from the server goes into the page as text (textContent, text nodes), never as
 *   markup: findings and diffs quote the uploaded document, its IRIs and its literals.
 * - The write token stays in this tab: in its field, and in sessionStorage so that a reload
 *   keeps it. Never in a cookie (sent with every request) or localStorage (kept after the tab
 *   is closed).
 */

const config = JSON.parse(document.getElementById("kg-config").textContent);

/** How many items of each list of a diff are shown; the rest are counted ("and N more"). */
const SHOWN = 20;
/** Where the token is kept: this tab only, gone when it closes. */
const TOKEN_ENTRY = "mea-kg-write-token";
/** A key that can name a source, as the server checks it (kg.build.publish.SOURCE_KEY). */
const SOURCE_KEY = /^[a-z0-9][a-z0-9._-]{0,99}$/;
/** A file's extension -> the media type it is sent as. */
const EXTENSION_TYPES = {
  ttl: "text/turtle",
  nt: "application/n-triples",
  rdf: "application/rdf+xml",
  xml: "application/rdf+xml",
  owl: "application/rdf+xml",
  jsonld: "application/ld+json",
  json: "application/ld+json",
  n3: "text/n3",
};
const FILE_TYPES_TEXT =
  "a workbook (.xlsx, .ods, .xls), a .csv file, a Word document (.docx), or Turtle (.ttl), " +
  "N-Triples (.nt), RDF/XML (.rdf, .xml, .owl), JSON-LD (.jsonld, .json) or N3 (.n3)";
/** A table's extension -> its media type: such a file is imported through a mapping. */
const TABLE_TYPES = config.tableTypes;
/** The status of a check whose file could not be read (no request was made). */
const UNREADABLE = -1;
/** Findings are listed most severe first; each severity has its style (entity.css). */
const SEVERITIES = ["Violation", "Warning", "Info"];
/** The lists of a diff, in the order shown, with their headings and count wording. */
const DIFF_LISTS = [
  ["added_entities", "Entities added", "entity added", "entities added"],
  ["removed_entities", "Entities removed", "entity removed", "entities removed"],
  ["changed_entities", "Entities changed", "entity changed", "entities changed"],
  ["added_facts", "Facts added", "fact added", "facts added"],
  ["removed_facts", "Facts removed", "fact removed", "facts removed"],
].map(([name, heading, one, many]) => ({ name, heading, one, many }));

const form = document.getElementById("publish-form");
const tokenField = document.getElementById("token");
const forgetButton = document.getElementById("forget-token");
const keyField = document.getElementById("source-key");
const keyList = document.getElementById("source-keys");
const servedNote = document.getElementById("served");
const fileField = document.getElementById("document");
const tableFields = document.getElementById("table-fields");
const mappingField = document.getElementById("mapping");
const agreementField = document.getElementById("agreement");
const partiesField = document.getElementById("parties");
const templateLink = document.getElementById("template-link");
const checkButton = document.getElementById("check");
const publishButton = document.getElementById("publish");
const result = document.getElementById("result");
const historySection = document.getElementById("history");
const historyKey = document.getElementById("history-key");
const historyNote = document.getElementById("history-note");
const historyTable = document.getElementById("history-table");

/** Bumped whenever another file is chosen: a check holds for the file chosen when it ran. */
let fileChoice = 0;
/** The last check that passed ({key, choice, bytes, mediaType}): what Publish sends. */
let passed = null;
/** Whether a check or a publish is running (the buttons wait for it). */
let busy = false;
/** Bumped per history request, so that a slow answer for an older key is dropped. */
let historyAsked = 0;
/** The served sources by key (GET /sources). */
let served = new Map();

// ---------------------------------------------------------------------------------------------
// Building the page's text, never its markup

/** A new element with a class, text, a title and children (strings become text nodes). */
function element(tag, { className, text, title } = {}, children = []) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  if (title) node.title = title;
  node.append(...children);
  return node;
}

/** ``iri`` with its longest known namespace written as a prefix (id:, mea:, shape: …). */
function shortIri(iri) {
  let best = "";
  for (const [prefix, namespace] of Object.entries(config.prefixes)) {
    if (iri.startsWith(namespace) && namespace.length > (config.prefixes[best] || "").length) {
      best = prefix;
    }
  }
  return best ? `${best}:${iri.slice(config.prefixes[best].length)}` : iri;
}

/** A SHACL path (an IRI, or a SPARQL path of <IRI>s) with its IRIs short. */
function shortPath(path) {
  if (!/^[<^(]/.test(path)) return shortIri(path);
  return path.replace(/<([^<>]*)>/g, (whole, iri) =>
    shortIri(iri) === iri ? whole : shortIri(iri),
  );
}

/** An N-Triples term (<iri>, "literal"^^<datatype>, "text"@en, _:b) with its IRIs short. */
function shortTerm(term) {
  if (term.startsWith("<") && term.endsWith(">")) return shortIri(term.slice(1, -1));
  const typed = /^(".*")\^\^<([^<>]*)>$/s.exec(term);
  return typed ? `${typed[1]}^^${shortIri(typed[2])}` : term;
}

function plural(count, one, many) {
  return `${count} ${count === 1 ? one : many}`;
}

function megabytes(bytes) {
  return `${Number((bytes / 2 ** 20).toFixed(1))} MB`;
}

/** An ISO time of the changes graph (2026-01-31T09:30:00Z) as people read it. */
function readableTime(iso) {
  return iso.replace("T", " ").replace(/Z$/, " UTC");
}

/** Show ``nodes`` as the result (announced: the result area is aria-live). */
function showResult(...nodes) {
  result.replaceChildren(...nodes);
}

function statusLine(kind, children) {
  return element("p", { className: `status ${kind}` }, children);
}

// ---------------------------------------------------------------------------------------------
// The report: findings and the diff

/** One SHACL finding: its severity, what to fix, and where (resource, property, value, rule). */
function findingView(finding) {
  const severity = SEVERITIES.includes(finding.severity) ? finding.severity : "Info";
  const rows = [["Resource", finding.focus, shortIri(finding.focus)]];
  // Where in the document (a table row, a section) the resource comes from, when it says.
  if (finding.locator) rows.push(["In the document", finding.locator, finding.locator]);
  if (finding.path) rows.push(["Property", finding.path, shortPath(finding.path)]);
  if (finding.value) rows.push(["Value", finding.value, shortIri(finding.value)]);
  if (finding.shape) rows.push(["Rule", finding.shape, shortIri(finding.shape)]);
  const details = element("dl");
  for (const [label, full, short] of rows) {
    details.append(
      element("dt", { text: label }),
      element("dd", {}, [element("code", { text: short, title: full })]),
    );
  }
  return element("section", { className: `finding ${severity.toLowerCase()}` }, [
    element("h3", {}, [
      element("span", { className: "severity", text: severity }),
      " ",
      finding.message,
    ]),
    details,
  ]);
}

function findingsView(heading, findings) {
  const sorted = [...findings].sort(
    (a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity),
  );
  return element("section", { className: "findings" }, [
    element("h2", { text: heading }),
    ...sorted.map(findingView),
  ]);
}

/** One list of a diff, cut to SHOWN items, the rest counted from the whole count. */
function diffListView(list, items, count) {
  const entries = items.slice(0, SHOWN).map((item) => {
    if (Array.isArray(item)) {
      const fact = item.map(shortTerm).join(" ");
      return element("li", {}, [element("code", { text: fact, title: item.join(" ") })]);
    }
    return element("li", {}, [element("code", { text: shortIri(item), title: item })]);
  });
  const more = count - entries.length;
  if (more > 0) entries.push(element("li", { className: "more", text: `and ${more} more` }));
  return element("section", { className: `diff-list ${list.name}` }, [
    element("h3", { text: list.heading }),
    element("ul", {}, entries),
  ]);
}

/** What a document changes in its source's graph: the counts, then each list. */
function diffView(heading, diff) {
  const counts = diff.counts;
  const total = DIFF_LISTS.reduce((sum, list) => sum + counts[list.name], 0);
  const parts = [element("h2", { text: heading })];
  if (total === 0) {
    parts.push(element("p", { text: "Nothing: the document says what the served source says." }));
  }
  parts.push(
    element(
      "ul",
      { className: "counts" },
      DIFF_LISTS.map((list) => {
        const item = element("li", { text: plural(counts[list.name], list.one, list.many) });
        item.dataset.count = list.name;
        return item;
      }),
    ),
  );
  for (const list of DIFF_LISTS) {
    const count = counts[list.name];
    if (count > 0) parts.push(diffListView(list, diff[list.name] || [], count));
  }
  return element("section", { className: "diff" }, parts);
}

/** A check that passed: publishing is possible; the warnings and what would change. */
function showPassed(answer) {
  const change =
    answer.action === "added" ? "add it as a new source" : `replace the served ${answer.key}`;
  const parts = [
    statusLine("ok", [
      element("strong", { text: "The document can be published." }),
      ` Nothing must be fixed. Publishing would ${change}; press Publish to do it.`,
    ]),
  ];
  if (answer.import) {
    const { rows_read: read, rows_imported: imported } = answer.import;
    const text = `${plural(read, "row", "rows")} of the table read, ${imported} imported.`;
    parts.push(element("p", { text }));
  }
  if (answer.findings.length) {
    const heading = plural(answer.findings.length, "piece of advice", "pieces of advice");
    parts.push(findingsView(`${heading} (warnings and notes do not stop publishing)`, answer.findings));
  }
  parts.push(diffView("What publishing would change", answer.diff));
  showResult(...parts);
}

/** A document that does not conform (422): what to fix, and what it would have changed. */
function showRejected(answer) {
  const findings = answer.findings || [];
  const violations = findings.filter((f) => f.severity === "Violation").length;
  const parts = [
    statusLine("problem", [
      element("strong", { text: "Nothing was published." }),
      ` ${plural(violations, "problem", "problems")} must be fixed in the file first; `,
      "each says what to change. Fix them and check again.",
    ]),
    findingsView("What to fix (violations) and advice", findings),
  ];
  if (answer.diff) parts.push(diffView("What it would change", answer.diff));
  showResult(...parts);
}

/** A publish done: the version now served, and what changed. */
function showPublished(answer) {
  const parts = [
    statusLine("ok", [
      element("strong", { text: `Published version ${answer.version}` }),
      ` of ${answer.key}, by ${answer.published_by}. The server serves it now.`,
    ]),
  ];
  if (answer.import) {
    const { rows_read: read, rows_imported: imported } = answer.import;
    const text = `${plural(read, "row", "rows")} of the table read, ${imported} imported.`;
    parts.push(element("p", { text }));
  }
  if (answer.findings.length) {
    const heading = plural(answer.findings.length, "piece of advice", "pieces of advice");
    parts.push(findingsView(heading, answer.findings));
  }
  parts.push(diffView("What changed", answer.diff));
  showResult(...parts);
}

/** What an error answer means, for people: a headline and, when useful, the server's words. */
function explainError(status, body) {
  const said = body && typeof body.message === "string" ? body.message : "";
  const kind = body && body.error;
  switch (status) {
    case 0:
      return ["The server could not be reached. Check the connection and try again.", ""];
    case UNREADABLE:
      return ["The file could not be read (was it moved or changed?): choose it again.", ""];
    case 400:
      if (kind === "bad_key") return ["This key cannot name a source.", said];
      if (kind === "refused_upload") return ["The file was refused, so nothing was checked.", said];
      if (kind === "unreadable_table") {
        return ["The table could not be read, so nothing was checked.", said];
      }
      if (kind === "bad_mapping") return ["This table layout is not known here.", said];
      return ["The file is not valid RDF, so nothing was checked. Fix it and try again.", said];
    case 401:
      return [
        "The write token is wrong: check that you pasted all of it, or ask for a new one.",
        "",
      ];
    case 403:
      return ["Publishing is switched off on this server (it is read-only). Ask its operator.", ""];
    case 413:
      return [
        "The file is too large: this server takes documents up to " +
          `${megabytes(config.maxUploadBytes)}. Split it into smaller sources.`,
        "",
      ];
    case 415:
      return [`The server does not read this type of file. Save it as ${FILE_TYPES_TEXT}.`, said];
    case 422:
      return ["Nothing was published.", said];
    default:
      return [`The server answered with an error (${status}); nothing was published.`, said];
  }
}

function showError(status, body) {
  const [headline, detail] = explainError(status, body);
  const parts = [statusLine("problem", [element("strong", { text: headline })])];
  if (detail) {
    const quote = element("q", { text: detail });
    parts.push(element("p", { className: "server-said" }, ["The server says: ", quote]));
  }
  showResult(...parts);
}

/** A problem with the form, found before anything is sent: said, and ``field`` focused to
 * fix it. Null, for readForm to return. */
function formProblem(field, text) {
  field.setAttribute("aria-invalid", "true");
  showResult(statusLine("problem", [element("strong", { text })]));
  field.focus();
  return null;
}

// ---------------------------------------------------------------------------------------------
// Requests

/** ``method url`` asking for JSON: {status, ok, body}; status 0 if the server was not reached. */
async function requestJson(method, url, { body, headers = {} } = {}) {
  let response;
  try {
    response = await fetch(url, {
      method,
      body,
      headers: { Accept: "application/json", ...headers },
      cache: "no-store",
    });
  } catch {
    return { status: 0, ok: false, body: null };
  }
  let answer = null;
  try {
    answer = await response.json();
  } catch {
    answer = null; // not JSON (a proxy's page): the status alone explains it
  }
  return { status: response.status, ok: response.ok, body: answer };
}

function sourceUrl(key) {
  return `${config.sources}/${encodeURIComponent(key)}`;
}

/** Send the document as the source ``upload.key`` (a table through its mapping); only a dry
 * run when ``dryRun``. */
function putSource(upload, dryRun) {
  const headers = { "Content-Type": upload.mediaType, Authorization: `Bearer ${upload.token}` };
  if (!upload.table) {
    return requestJson("PUT", `${sourceUrl(upload.key)}?dry_run=${dryRun}`, {
      body: upload.bytes,
      headers,
    });
  }
  const params = new URLSearchParams({ dry_run: String(dryRun), ...upload.table });
  for (const [name, value] of [...params]) if (!value) params.delete(name);
  return requestJson("POST", `${sourceUrl(upload.key)}/import?${params}`, {
    body: upload.bytes,
    headers,
  });
}

/** Run ``task`` with the buttons disabled and the result area marked busy. */
async function whileBusy(doing, task) {
  busy = true;
  updateButtons();
  result.setAttribute("aria-busy", "true");
  showResult(statusLine("working", [doing]));
  try {
    return await task();
  } finally {
    busy = false;
    result.setAttribute("aria-busy", "false");
    updateButtons();
  }
}

// ---------------------------------------------------------------------------------------------
// The form

function currentKey() {
  return keyField.value.trim();
}

/** Whether the check that passed was of the file and key chosen now. */
function checkHolds() {
  return passed !== null && passed.key === currentKey() && passed.choice === fileChoice;
}

function updateButtons() {
  checkButton.disabled = busy;
  publishButton.disabled = busy || !checkHolds();
}

/** The token, key and file of the form ({token, key, file, mediaType}), or null after saying
 * what is missing. */
function readForm() {
  for (const field of [tokenField, keyField, fileField]) field.removeAttribute("aria-invalid");
  const token = tokenField.value.trim();
  if (!token) return formProblem(tokenField, "Paste your write token first.");
  // A header carries printable ASCII only: anything else (a curly quote, a space pasted with
  // it) would fail the request before it leaves, as if the server were down.
  if (!/^[\x21-\x7e]+$/.test(token)) {
    return formProblem(tokenField, "The token has characters no token has: paste it again.");
  }
  const key = currentKey();
  if (!SOURCE_KEY.test(key)) {
    return formProblem(
      keyField,
      "Give the source's key: lower-case letters, digits, '.', '_' and '-', starting with a " +
        "letter or digit.",
    );
  }
  const file = fileField.files[0];
  if (!file) return formProblem(fileField, "Choose the document's file.");
  const extension = fileExtension(file);
  if (TABLE_TYPES[extension]) {
    if (file.size > config.maxUploadBytes) {
      return formProblem(
        fileField,
        `The file is too large (${megabytes(file.size)}): this server takes files up to ` +
          `${megabytes(config.maxUploadBytes)}. Split the table.`,
      );
    }
    const table = {
      mapping: mappingField.value,
      agreement: agreementField.value.trim(),
      parties: partiesField.value.trim(),
      filename: file.name,
    };
    return { token, key, file, mediaType: TABLE_TYPES[extension], table };
  }
  const mediaType = EXTENSION_TYPES[extension];
  // Refused here rather than sent: the server would answer 415 after the whole upload.
  if (!mediaType || !config.uploadTypes.includes(mediaType)) {
    const text = `This type of file cannot be sent: save it as ${FILE_TYPES_TEXT}.`;
    return formProblem(fileField, text);
  }
  if (file.size > config.maxUploadBytes) {
    return formProblem(
      fileField,
      `The file is too large (${megabytes(file.size)}): this server takes documents up to ` +
        `${megabytes(config.maxUploadBytes)}. Split it into smaller sources.`,
    );
  }
  return { token, key, file, mediaType };
}

function fileExtension(file) {
  return file && file.name.includes(".") ? file.name.split(".").pop().toLowerCase() : "";
}

/** The table's fields are shown while a table is chosen. */
function showTableFields() {
  tableFields.hidden = !TABLE_TYPES[fileExtension(fileField.files[0])];
}

/** The cells of a table that could not be read (422 rows_not_read): where, and what to do. */
function showRowErrors(answer) {
  const report = answer.import_report || { errors: [] };
  const items = report.errors.map((error) =>
    element("li", {}, [
      element("span", { className: "where", text: `${error.locator}: ` }),
      error.message,
    ]),
  );
  showResult(
    statusLine("problem", [
      element("strong", { text: "Nothing was published." }),
      ` ${plural(report.errors.length, "cell", "cells")} of the table could not be read ` +
        `(${report.rows_imported} of ${report.rows_read} rows were). Correct them in your file ` +
        "and check again.",
    ]),
    element("ul", { className: "row-errors" }, items),
  );
}

/** Check: a dry run of the file as the source; a pass makes Publish possible. */
async function check(event) {
  event.preventDefault();
  const chosen = readForm();
  if (!chosen) return;
  passed = null;
  const choice = fileChoice;
  let upload;
  const answer = await whileBusy("Checking the document…", async () => {
    // The bytes read now are the bytes published: a file edited after its check is checked
    // again.
    try {
      upload = { ...chosen, bytes: await chosen.file.arrayBuffer() };
    } catch {
      return { status: UNREADABLE, ok: false, body: null };
    }
    return putSource(upload, true);
  });
  if (answer.ok && answer.body) {
    passed = {
      key: upload.key,
      choice,
      bytes: upload.bytes,
      mediaType: upload.mediaType,
      table: upload.table,
    };
    showPassed(answer.body);
  } else if (answer.status === 422 && answer.body && answer.body.error === "rows_not_read") {
    showRowErrors(answer.body);
  } else if (answer.status === 422 && answer.body && answer.body.findings) {
    showRejected(answer.body);
  } else {
    showError(answer.status, answer.body);
  }
  updateButtons();
}

/** Publish the bytes that passed the check, as a new version; then show the history. */
async function publish() {
  if (!checkHolds()) return;
  const token = tokenField.value.trim();
  if (!token) {
    formProblem(tokenField, "Paste your write token first.");
    return;
  }
  const upload = { ...passed, token };
  // Published or not, the next publish starts from a new check: cleared before the buttons
  // are enabled again, so Publish never comes back on between the answer and the history.
  passed = null;
  const answer = await whileBusy("Publishing…", () => putSource(upload, false));
  if (answer.ok && answer.body) {
    showPublished(answer.body);
    await Promise.all([loadSources(), loadHistory(upload.key)]);
  } else if (answer.status === 422 && answer.body && answer.body.error === "rows_not_read") {
    showRowErrors(answer.body);
  } else if (answer.status === 422 && answer.body && answer.body.findings) {
    showRejected(answer.body);
  } else {
    showError(answer.status, answer.body);
  }
  updateButtons();
}

// ---------------------------------------------------------------------------------------------
// The served sources and a source's history

/** Offer the served sources' keys in the key field. */
async function loadSources() {
  const answer = await requestJson("GET", config.sources);
  if (!answer.ok) {
    servedNote.textContent = "(The list of served sources could not be read.)";
    return;
  }
  const sources = answer.body.sources;
  served = new Map(sources.map((source) => [source.key, source]));
  keyList.replaceChildren(
    ...sources.map((source) => {
      const option = element("option", { text: plural(source.triples, "triple", "triples") });
      option.value = source.key;
      return option;
    }),
  );
  const count = plural(sources.length, "source", "sources");
  servedNote.textContent = `This server serves ${count} (version ${answer.body.version}).`;
}

/** Show who changed the source ``key``, when and how (newest first). */
async function loadHistory(key) {
  const asked = ++historyAsked;
  if (!SOURCE_KEY.test(key)) {
    historySection.hidden = true;
    return;
  }
  const answer = await requestJson("GET", `${sourceUrl(key)}/history`);
  if (asked !== historyAsked) return; // another key was chosen meanwhile
  historyKey.textContent = key;
  historySection.hidden = false;
  const rows = answer.ok ? answer.body.history : [];
  historyTable.hidden = rows.length === 0;
  historyTable.tBodies[0].replaceChildren(
    ...rows.map((change) => {
      const when = element("time", { text: readableTime(change.at) });
      when.dateTime = change.at;
      return element("tr", {}, [
        element("td", { text: String(change.version), title: change.version_iri }),
        element("td", {}, [when]),
        element("td", { text: change.published_by }),
        element("td", { text: change.change }),
      ]);
    }),
  );
  if (answer.status === 404) {
    historyNote.textContent = `No source ${key} is served yet: publishing adds it.`;
  } else if (!answer.ok) {
    historyNote.textContent = "The history could not be read.";
  } else if (rows.length === 0) {
    historyNote.textContent = "Not changed since the graph was built: no version published yet.";
  } else {
    historyNote.textContent = `${plural(rows.length, "change", "changes")}, newest first.`;
  }
}

// ---------------------------------------------------------------------------------------------
// The token, kept in this tab only

function restoreToken() {
  try {
    tokenField.value = sessionStorage.getItem(TOKEN_ENTRY) || "";
  } catch {
    // Storage switched off: the token lives in the field alone.
  }
}

function keepToken() {
  try {
    if (tokenField.value) sessionStorage.setItem(TOKEN_ENTRY, tokenField.value);
    else sessionStorage.removeItem(TOKEN_ENTRY);
  } catch {
    // As above.
  }
}

function forgetToken() {
  tokenField.value = "";
  keepToken();
  tokenField.focus();
}

// ---------------------------------------------------------------------------------------------

form.addEventListener("submit", check);
publishButton.addEventListener("click", publish);
forgetButton.addEventListener("click", forgetToken);
tokenField.addEventListener("input", keepToken);
fileField.addEventListener("change", () => {
  fileChoice += 1;
  passed = null;
  showTableFields();
  updateButtons();
});
function showTemplateLink() {
  templateLink.href = `/templates/${encodeURIComponent(mappingField.value)}.xlsx`;
}
mappingField.addEventListener("change", showTemplateLink);
for (const field of [mappingField, agreementField, partiesField]) {
  // Another layout or agreement reads the table differently: check it again.
  field.addEventListener("change", () => {
    fileChoice += 1;
    passed = null;
    updateButtons();
  });
}
keyField.addEventListener("input", () => {
  updateButtons();
  // A served key picked from the list: its history at once; a key typed shows it on change.
  if (served.has(currentKey())) loadHistory(currentKey());
});
keyField.addEventListener("change", () => loadHistory(currentKey()));

for (const mapping of config.mappings) {
  const option = element("option", { text: `${mapping.title} — ${mapping.summary}` });
  option.value = mapping.name;
  mappingField.append(option);
}
restoreToken();
showTemplateLink();
showTableFields();
updateButtons();
loadSources().finally(() => {
  if (currentKey()) loadHistory(currentKey());
  document.body.dataset.ready = "true";
});
