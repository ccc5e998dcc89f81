// The query page: YASGUI (from npm) as the editor; icskg's own result views (a simple paged table,
// charts from Chart.js, a pivot from PivotTable.js, all from npm and loaded on first use); a
// SELECT is asked a page at a time with its number of rows counted apart, so a large answer never
// freezes the page; mistakes are named in plain words at their line before anything is sent;
// classes and properties complete from icskg's vocabulary; short share links.
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("query-config").textContent);
  const A = window.IcskgSparql;
  const CHUNK = 1000;  // rows asked for at a time
  const PAGE = 50;     // rows shown at a time

  // --- Example questions: searchable, grouped by topic, folded (works without the editor too).
  const search = document.getElementById("example-search");
  const examplesBox = document.getElementById("examples-box");
  if (search) {
    search.addEventListener("input", () => {
      const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      let shown = 0;
      for (const topic of document.querySelectorAll("#examples details.topic")) {
        let inTopic = 0;
        for (const item of topic.querySelectorAll("li")) {
          const text = item.textContent.toLowerCase();
          const match = words.every((w) => text.includes(w));
          item.hidden = !match;
          inTopic += match ? 1 : 0;
        }
        topic.hidden = inTopic === 0;
        topic.open = words.length > 0 && inTopic > 0;
        shown += inTopic;
      }
      document.getElementById("no-example").hidden = shown > 0;
    });
  }

  const mount = document.getElementById("editor");
  if (!window.Yasgui || !mount || !A) {
    return; // the plain form keeps working
  }
  const Yasr = window.Yasgui.Yasr;
  const Yasqe = window.Yasgui.Yasqe;

  // --- Values as people read them.
  const prefixes = Object.entries(config.prefixes).sort((a, b) => b[1].length - a[1].length);
  const localPrefixes = ["id/", "def/"].map((p) => config.base + p);
  function curie(iri) {
    for (const [name, namespace] of prefixes) {
      if (iri.startsWith(namespace) && iri.length > namespace.length) return name + ":" + iri.slice(namespace.length);
    }
    return iri.startsWith(config.base) ? iri.slice(config.base.length) : iri;
  }
  function localHref(iri) {
    return localPrefixes.some((p) => iri.startsWith(p)) ? config.local + iri.slice(config.base.length) : iri;
  }
  function plain(term) {
    if (!term) return "";
    return term.type === "uri" ? curie(term.value) : term.value;
  }
  function cell(term, full) {
    const td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri") {
      const a = document.createElement("a");
      a.href = /^https?:/.test(term.value) ? localHref(term.value) : "#";
      if (a.getAttribute("href").startsWith(config.local)) a.classList.add("local");
      a.textContent = full ? "<" + term.value + ">" : curie(term.value);
      td.append(a);
    } else if (full && term.type !== "bnode") {
      td.textContent = JSON.stringify(term.value) +
        (term["xml:lang"] ? "@" + term["xml:lang"] : term.datatype ? "^^" + curie(term.datatype) : "");
    } else {
      td.textContent = term.type === "bnode" ? "_:" + term.value : term.value;
    }
    if (term.datatype && /#(integer|decimal|double|float|int|long)$/.test(term.datatype)) td.className = "n";
    return td;
  }

  // --- The rows of one run: pages asked for as they are needed, and their number.
  async function ask(query) {
    const response = await fetch(config.endpoint, {
      method: "POST", body: new URLSearchParams({ query: query }),
      headers: { Accept: "application/sparql-results+json" },
    });
    if (!response.ok) throw new Error(await response.text());
    return response.json();
  }
  class Run {
    constructor(text, plan) {
      this.text = text; this.plan = plan; this.rows = []; this.total = null; this.counting = null;
      this.listeners = [];
    }
    start(bindings, variables) {
      this.vars = this.plan ? this.plan.vars.filter((v) => variables.includes(v)) : variables;
      for (const v of variables) if (!this.vars.includes(v)) this.vars.push(v);
      bindings.forEach((b, i) => { this.rows[i] = b; });
      if (!this.plan || bindings.length < CHUNK) {
        this.total = bindings.length;
      } else {
        this.counting = ask(this.plan.count()).then((json) => {
          const b = json.results.bindings[0];
          this.total = b && b.rows ? Number(b.rows.value) : bindings.length;
        }, (error) => { this.countError = error.message; }).then(() => this.changed());
      }
    }
    loaded() { return this.rows.filter((r) => r !== undefined).length; }
    async rowsAt(offset, count) {
      const missing = [];
      for (let i = offset; i < offset + count && (this.total === null || i < this.total); i++) {
        if (this.rows[i] === undefined) missing.push(i);
      }
      if (missing.length && this.plan) {
        const from = Math.floor(missing[0] / CHUNK) * CHUNK;
        const json = await ask(this.plan.page(from, CHUNK));
        json.results.bindings.forEach((b, i) => { this.rows[from + i] = b; });
        if (json.results.bindings.length < CHUNK) this.total = from + json.results.bindings.length;
        if (missing[missing.length - 1] >= from + CHUNK) return this.rowsAt(offset, count);
      }
      return this.rows.slice(offset, offset + count);
    }
    changed() { this.listeners.forEach((f) => f()); }
    describe() {
      if (this.total !== null) return `${this.total.toLocaleString("en-GB")} row${this.total === 1 ? "" : "s"}`;
      if (this.countError) return `more than ${this.loaded().toLocaleString("en-GB")} rows (counting failed)`;
      return `more than ${this.loaded().toLocaleString("en-GB")} rows (counting…)`;
    }
  }

  let yasgui;
  const tabOf = (yasr) => {
    const tab = yasgui && yasgui.getTab();
    return tab && tab.getYasr() === yasr ? tab : null;
  };
  function element(tag, attributes, text) {
    const e = document.createElement(tag);
    Object.assign(e, attributes || {});
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function icon(text) { return element("span", { className: "icskg-plugin-icon" }, text); }
  function bindingsResult(yasr) {
    return !!yasr.results && !yasr.results.hasError() && (yasr.results.getVariables() || []).length > 0;
  }
  // The run behind the answer YASR shows; an answer not asked for here (restored from an earlier
  // visit) holds all its rows.
  function ensureRun(yasr) {
    let run = yasr.icskgRun;
    if (!run || (run.results && run.results !== yasr.results)) run = yasr.icskgRun = new Run("", null);
    if (!run.results) {
      run.results = yasr.results;
      run.start(yasr.results.getBindings() || [], yasr.results.getVariables() || []);
    }
    return run;
  }

  // --- The simple table: plain values, numbered rows, a page at a time; the full form one click away.
  class SimpleTable {
    constructor(yasr) {
      this.yasr = yasr; this.priority = 30; this.label = "Table"; this.full = false;
    }
    canHandleResults() { return bindingsResult(this.yasr); }
    getIcon() { return icon("▦"); }
    async draw() {
      const run = ensureRun(this.yasr);
      const root = element("div", { className: "icskg-simple" });
      const bar = element("div", { className: "icskg-bar" });
      const count = element("span", { className: "icskg-count" });
      const range = element("span", { className: "icskg-range" });
      const previous = element("button", { type: "button", className: "icskg-previous" }, "‹ Previous");
      const next = element("button", { type: "button", className: "icskg-next" }, "Next ›");
      const fullLabel = element("label", { className: "icskg-full" });
      const full = element("input", { type: "checkbox", checked: this.full });
      fullLabel.append(full, " Full form (IRIs, datatypes, languages)");
      bar.append(count, range, previous, next, fullLabel);
      const table = element("table", { className: "icskg-results" });
      root.append(bar, table);
      this.yasr.resultsEl.append(root);
      let page = 0;
      const render = async () => {
        count.textContent = run.describe();
        const rows = await run.rowsAt(page * PAGE, PAGE);
        const last = run.total === null ? Infinity : Math.max(0, Math.ceil(run.total / PAGE) - 1);
        range.textContent = rows.length ? `showing ${(page * PAGE + 1).toLocaleString("en-GB")}–` +
          `${(page * PAGE + rows.length).toLocaleString("en-GB")}` : "";
        previous.disabled = page === 0;
        next.disabled = page >= last;
        const head = element("tr");
        head.append(element("th", { className: "n" }, "#"));
        for (const v of run.vars) head.append(element("th", {}, v));
        const body = element("tbody");
        rows.forEach((row, i) => {
          const tr = element("tr");
          tr.append(element("td", { className: "n row-number" }, String(page * PAGE + i + 1)));
          for (const v of run.vars) tr.append(cell(row && row[v], this.full));
          body.append(tr);
        });
        const thead = element("thead");
        thead.append(head);
        table.replaceChildren(thead, body);
      };
      previous.addEventListener("click", () => { page = Math.max(0, page - 1); render(); });
      next.addEventListener("click", () => { page += 1; render().catch(showError); });
      full.addEventListener("change", () => { this.full = full.checked; render(); });
      const showError = (error) => { range.textContent = "Could not get these rows: " + error.message; };
      run.listeners = [() => render().catch(showError)];
      await render();
    }
  }

  // --- Charts (Chart.js) and a pivot (PivotTable.js), loaded from this server on first use.
  const loaded = {};
  function load(urls) {
    return urls.reduce((chain, url) => chain.then(() => loaded[url] || (loaded[url] = new Promise((resolve, reject) => {
      const script = element("script", { src: url });
      script.onload = resolve;
      script.onerror = () => reject(new Error("could not load " + url));
      document.head.append(script);
    }))), Promise.resolve());
  }
  function numeric(run, v) {
    const rows = run.rows.filter(Boolean);
    return rows.length > 0 && rows.every((r) => !r[v] || (r[v].type === "literal" || r[v].type === "typed-literal") && r[v].value !== "" && !isNaN(Number(r[v].value)));
  }
  function partNote(run) {
    const n = run.loaded();
    return run.total !== null && run.total > n
      ? `Drawn from the first ${n.toLocaleString("en-GB")} of ${run.total.toLocaleString("en-GB")} rows; download the rest.` : "";
  }
  function select(name, options, chosen) {
    const label = element("label", {}, name + " ");
    const s = element("select");
    for (const [value, text] of options) s.append(element("option", { value: value, selected: value === chosen }, text));
    label.append(s);
    return [label, s];
  }

  class ChartView {
    constructor(yasr) { this.yasr = yasr; this.priority = 5; this.label = "Chart"; this.type = "bar"; }
    canHandleResults() { return bindingsResult(this.yasr); }
    getIcon() { return icon("▮"); }
    async draw() {
      const run = ensureRun(this.yasr);
      const root = element("div", { className: "icskg-chart" });
      this.yasr.resultsEl.append(root);
      await load(config.scripts.chart);
      const numbers = run.vars.filter((v) => numeric(run, v));
      const labels = run.vars.filter((v) => !numbers.includes(v));
      this.labelVar = run.vars.includes(this.labelVar) ? this.labelVar : (labels[0] || run.vars[0]);
      this.valueVar = this.valueVar === "" || numbers.includes(this.valueVar) ? this.valueVar : (numbers[0] || "");
      const [typeLabel, type] = select("Chart", [["bar", "Bar"], ["line", "Line"], ["pie", "Pie"]], this.type);
      const [labelLabel, label] = select("Labels", run.vars.map((v) => [v, v]), this.labelVar);
      const [valueLabel, value] = select("Values", [["", "number of rows"]].concat(numbers.map((v) => [v, v])), this.valueVar);
      const controls = element("div", { className: "icskg-bar" });
      controls.append(typeLabel, labelLabel, valueLabel, element("span", { className: "icskg-note" }, partNote(run)));
      const canvas = element("canvas", { id: "icskg-chart-canvas" });
      const box = element("div", { className: "icskg-chart-box" });
      box.append(canvas);
      root.append(controls, box);
      const redraw = () => {
        this.type = type.value; this.labelVar = label.value; this.valueVar = value.value;
        const totals = new Map();
        for (const row of run.rows.filter(Boolean)) {
          const key = plain(row[this.labelVar]);
          const amount = this.valueVar ? Number(row[this.valueVar] ? row[this.valueVar].value : 0) : 1;
          totals.set(key, (totals.get(key) || 0) + amount);
        }
        if (this.chart) this.chart.destroy();
        const palette = ["#005eb8", "#009639", "#ffb81c", "#da291c", "#7c2855", "#00a499", "#330072", "#ed8b00", "#768692", "#41b6e6"];
        this.chart = new window.Chart(canvas, {
          type: this.type,
          data: { labels: [...totals.keys()], datasets: [{
            label: this.valueVar || "rows", data: [...totals.values()],
            backgroundColor: this.type === "line" ? "#005eb8" : [...totals.keys()].map((_, i) => palette[i % palette.length]),
            borderColor: "#005eb8",
          }] },
          options: { animation: false, maintainAspectRatio: false, plugins: { legend: { display: this.type === "pie" } } },
        });
        canvas.setAttribute("data-chart", this.type);  // drawn, and as what
      };
      for (const s of [type, label, value]) s.addEventListener("change", redraw);
      redraw();
    }
    destroy() { if (this.chart) this.chart.destroy(); this.chart = null; }
  }

  class PivotView {
    constructor(yasr) { this.yasr = yasr; this.priority = 4; this.label = "Pivot"; }
    canHandleResults() { return bindingsResult(this.yasr); }
    getIcon() { return icon("⊞"); }
    async draw() {
      const run = ensureRun(this.yasr);
      const root = element("div", { className: "icskg-pivot" });
      root.append(element("p", { className: "icskg-note" },
        "Drag column names to rows or columns; choose how to sum them up. " + partNote(run)));
      const target = element("div");
      root.append(target);
      this.yasr.resultsEl.append(root);
      if (!document.querySelector("link[data-pivot]")) {
        const style = element("link", { rel: "stylesheet", href: config.scripts.pivotStyle });
        style.setAttribute("data-pivot", "");
        document.head.append(style);
      }
      await load(config.scripts.pivot);
      const records = run.rows.filter(Boolean).map((row) => Object.fromEntries(run.vars.map((v) => [v, plain(row[v])])));
      const numbers = run.vars.filter((v) => numeric(run, v));
      const labels = run.vars.filter((v) => !numbers.includes(v));
      window.jQuery(target).pivotUI(records, Object.assign(
        { rows: labels.slice(0, 1), cols: labels.slice(1, 2) },
        numbers.length ? { vals: numbers.slice(0, 1), aggregatorName: "Integer Sum" } : {}));
    }
  }

  Yasr.registerPlugin("simple", SimpleTable);
  Yasr.registerPlugin("chart", ChartView);
  Yasr.registerPlugin("pivot", PivotView);
  // YASR's own table would hold only the first page of rows: the simple table has a full form.
  if (Yasr.defaults.plugins.table) Yasr.defaults.plugins.table.enabled = false;
  Yasr.defaults.pluginOrder = ["simple", "chart", "pivot", "response"];

  // --- Mistakes in plain words, at their line, before anything is sent.
  const known = { prefixes: config.prefixes, terms: null, namespaces: new Set(), locals: new Map() };
  const vocabulary = fetch(config.vocabulary).then((r) => r.json()).then((v) => {
    known.terms = new Set(v.terms.concat(v.classes.map((t) => t.iri), v.properties.map((t) => t.iri)));
    for (const iri of known.terms) {
      const cut = Math.max(iri.lastIndexOf("#"), iri.lastIndexOf("/")) + 1;
      const ns = iri.slice(0, cut);
      if (!Object.values(config.prefixes).includes(ns)) continue;
      known.namespaces.add(ns);
      if (!known.locals.has(ns)) known.locals.set(ns, []);
      known.locals.get(ns).push(iri.slice(cut));
    }
    return v;
  }, () => ({ classes: [], properties: [], terms: [] }));

  const lintBox = document.getElementById("lint");
  let marks = [];
  function showLint(yasqe, found) {
    marks.forEach((m) => m.clear());
    marks = [];
    lintBox.replaceChildren();
    for (const [kind, list] of [["error", found.errors], ["warning", found.warnings]]) {
      for (const problem of list) {
        marks.push(yasqe.markText(problem.from, problem.to, { className: "icskg-" + kind, title: problem.message }));
        lintBox.append(element("p", { className: "lint-" + kind, role: kind === "error" ? "alert" : "status" }, problem.message));
      }
    }
  }
  function lintNow(yasqe) {
    const found = A.lint(yasqe.getValue(), known);
    showLint(yasqe, found);
    return found;
  }

  // Every editor's query goes through here: checked first, then asked a page at a time.
  const send = Yasqe.prototype.query;
  Yasqe.prototype.query = function (options) {
    return vocabulary.then(() => checkAndSend(this, options));
  };
  function checkAndSend(yasqe, options) {
    const found = lintNow(yasqe);
    const tab = yasgui && yasgui.getTab();
    const yasr = tab && tab.getYasqe() === yasqe ? tab.getYasr() : null;
    if (found.errors.length) {
      yasqe.emit("queryResponse", new Error(found.errors.map((e) => e.message).join("\n")), 0);
      return undefined;
    }
    const text = yasqe.getValue();
    yasqe.icskgPlan = A.plan(text);
    if (yasr) yasr.icskgRun = new Run(text, yasqe.icskgPlan);
    return send.call(yasqe, options);
  }

  // The endpoint's own parse errors: the line and column in words, without lists of characters.
  async function renderError(error) {
    let text = error.text || "";
    const tab = yasgui && yasgui.getTab();
    const run = tab && tab.getYasr().icskgRun;
    if (run && run.plan && /error at \d+:\d+/.test(text)) {
      // The page-at-a-time wrapper moves where the parser stops: ask for the query's own message.
      try {
        await ask(run.text);
      } catch (own) {
        text = own.message;
      }
    }
    const where = /error at (\d+):(\d+): (.*)/s.exec(text);
    const box = element("div", { className: "icskg-error-message" });
    if (!where) {
      box.textContent = text.replace(/^\d{3} /, "");
      return box;
    }
    const line = Number(where[1]), column = Number(where[2]);
    let expected = where[3].replace(/\[[^\]]*\\u\{[^\]]*\]/g, "").replace(/\s+/g, " ");
    expected = expected.replace(/expected one of/, "the parser expected one of:").replace(/, (,\s*)+/g, ", ");
    if (expected.length > 200) expected = expected.slice(0, 200) + "…";
    box.textContent = `Line ${line}, column ${column}: the query is not valid SPARQL here (${expected.trim()}).`;
    if (tab) {
      const yasqe = tab.getYasqe();
      const from = { line: line - 1, ch: Math.max(0, column - 1) };
      marks.push(yasqe.markText(from, { line: line - 1, ch: column + 20 }, { className: "icskg-error", title: box.textContent }));
    }
    return box;
  }

  // Completion of icskg's classes (after `a`) and properties, from the vocabulary.
  function completer(name, base, pick) {
    Yasqe.forkAutocompleter(base, {
      name: name, bulk: false, autoShow: true, persistenceId: null,
      // Prefixed names expand with the query's prefixes and those icskg declares for every query.
      preProcessToken: (yasqe, token) => {
        const text = token.string.trim(), colon = text.indexOf(":");
        const all = Object.assign({}, config.prefixes, yasqe.getPrefixesFromQuery());
        const prefix = colon > -1 && !text.startsWith("<") ? text.slice(0, colon) : null;
        if (prefix !== null && all[prefix]) {
          token.tokenPrefix = prefix + ":";
          token.tokenPrefixUri = all[prefix];
          token.autocompletionString = all[prefix] + text.slice(colon + 1);
        } else {
          token.autocompletionString = text.replace(/^<|>$/g, "");
        }
        return token;
      },
      get: (yasqe, token) => vocabulary.then((v) => {
        const start = (token && token.autocompletionString) || "";
        return pick(v).map((t) => t.iri).filter((iri) => iri.startsWith(start)).slice(0, 100);
      }),
    });
  }
  completer("icskgClasses", "class", (v) => v.classes);
  completer("icskgProperties", "property", (v) => v.properties);

  Yasr.defaults.errorRenderers = [renderError];
  yasgui = new window.Yasgui(mount, {
    requestConfig: {
      endpoint: config.endpoint, method: "POST",
      adjustQueryBeforeRequest: (yasqe) => yasqe.icskgPlan ? yasqe.icskgPlan.page(0, CHUNK) : yasqe.getValue(),
    },
    copyEndpointOnNewTab: true,
    populateFromUrl: false,
    endpointCatalogueOptions: { getData: () => [] },
    persistenceId: "icskg-query",
    yasqe: {
      value: config.initial,
      collapsePrefixesOnLoad: true,
      autocompleters: ["prefixes", "variables", "icskgClasses", "icskgProperties"],
      prefixCcApi: null,
      editorHeight: "14rem",
    },
    yasr: {
      maxPersistentResponseSize: 0,
      defaultPlugin: "simple",
    },
  });
  window.icskgYasgui = yasgui;  // for the browser's console
  // Each visit starts on the simple table, whichever view was chosen last time.
  for (const id of yasgui.persistentConfig.getTabs ? yasgui.persistentConfig.getTabs() : []) {
    const tab = yasgui.getTab(id);
    if (tab && tab.getYasr && tab.getYasr()) tab.getYasr().selectPlugin("simple");
  }
  document.getElementById("plain-form").hidden = true;
  document.body.classList.add("with-editor");

  const currentTab = () => yasgui.getTab();
  let timer = null;
  function watch(tab) {
    const yasqe = tab.getYasqe();
    if (!yasqe || yasqe.icskgWatched) return;
    yasqe.icskgWatched = true;
    yasqe.on("change", () => { clearTimeout(timer); timer = setTimeout(() => lintNow(yasqe), 300); });
    vocabulary.then(() => lintNow(yasqe));
  }
  watch(currentTab());
  yasgui.on("tabSelect", () => setTimeout(() => watch(currentTab()), 0));

  function run(query) {
    const tab = currentTab();
    tab.setQuery(query);
    tab.getYasqe().collapsePrefixes(true);
    return tab.query();
  }
  if (config.selected) {
    run(config.initial);
  }

  // Examples: one click loads the question's query into the current tab and runs it.
  const examples = new Map(config.examples.map((e) => [e.name, e.query]));
  document.getElementById("examples").addEventListener("click", (event) => {
    const link = event.target.closest("a[data-example]");
    if (!link || !examples.has(link.dataset.example)) return;
    event.preventDefault();
    examplesBox.open = false;
    run(examples.get(link.dataset.example));
    mount.scrollIntoView({ behavior: "smooth", block: "start" });
  });

  // Links of the other views (YASGUI's table): our IRIs open this server's page for them.
  function localise(root) {
    for (const a of root.querySelectorAll("a[href^='" + config.base + "']")) {
      const href = localHref(a.getAttribute("href"));
      if (href !== a.getAttribute("href")) {
        a.setAttribute("href", href);
        a.removeAttribute("target");
        a.classList.add("local");
      }
    }
  }
  new MutationObserver((changes) => {
    for (const change of changes) {
      for (const node of change.addedNodes) {
        if (node.nodeType === Node.ELEMENT_NODE && node.querySelector) localise(node);
      }
    }
  }).observe(mount, { childList: true, subtree: true });

  // Downloads: the endpoint's own serialisations of the whole answer, saved as a file.
  const downloads = document.getElementById("downloads");
  const downloadError = document.getElementById("download-error");
  const isGraphQuery = () => ["CONSTRUCT", "DESCRIBE"].includes(currentTab().getYasqe().getQueryType());
  function showDownloads() {
    const graph = isGraphQuery();
    downloads.querySelector("[data-kind=table]").hidden = graph;
    downloads.querySelector("[data-kind=graph]").hidden = !graph;
    downloads.hidden = false;
  }
  yasgui.on("queryResponse", showDownloads);
  yasgui.on("tabSelect", () => setTimeout(showDownloads, 0));
  mount.after(lintBox);
  lintBox.after(downloads);
  showDownloads();

  const extensions = { csv: "csv", json: "srj", tsv: "tsv", xml: "srx", turtle: "ttl",
                       jsonld: "jsonld", ntriples: "nt", rdfxml: "rdf" };
  downloads.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-format]");
    if (!button) return;
    downloadError.textContent = "";
    const format = button.dataset.format;
    // A SELECT's columns in the query's order (SELECT * would give them in the engine's order).
    const text = currentTab().getQuery(), plan = A.plan(text);
    const body = new URLSearchParams({ query: plan ? plan.all() : text, format: format });
    let response;
    try {
      response = await fetch(config.endpoint, { method: "POST", body: body });
    } catch (error) {
      downloadError.textContent = "The endpoint did not answer: " + error.message;
      return;
    }
    if (!response.ok) {
      downloadError.textContent = await response.text();
      return;
    }
    const url = URL.createObjectURL(await response.blob());
    const save = element("a", { href: url, download: "icskg-results." + extensions[format] });
    document.body.append(save);
    save.click();
    save.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  });

  // Share: the query is kept on this server under a hash of its text; the link names that hash.
  const shareButton = document.getElementById("share-button");
  const shareLink = document.getElementById("share-link");
  shareButton.addEventListener("click", async () => {
    const response = await fetch(config.share, { method: "POST", body: currentTab().getQuery(),
                                                 headers: { "Content-Type": "text/plain; charset=utf-8" } });
    shareLink.hidden = false;
    if (!response.ok) {
      shareLink.value = await response.text();
      return;
    }
    shareLink.value = new URL((await response.json()).url, window.location.href).href;
    shareLink.select();
  });
})();
