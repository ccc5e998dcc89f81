// The query page: mounts YASGUI (from npm) on the plain form's place, wires the example
// questions and the download buttons, and points result links at this server's own pages.
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("query-config").textContent);
  const mount = document.getElementById("editor");
  if (!window.Yasgui || !mount) {
    return; // the plain form keeps working
  }

  const yasgui = new window.Yasgui(mount, {
    requestConfig: { endpoint: config.endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    populateFromUrl: false,
    // No catalogue of other endpoints: this page asks this server only (the CSP says so too).
    endpointCatalogueOptions: { getData: () => [] },
    persistenceId: "icskg-query",
    yasqe: {
      value: config.initial,
      collapsePrefixesOnLoad: true,
      // The class and property completers call a remote vocabulary service; these two do not.
      autocompleters: ["prefixes", "variables"],
      prefixCcApi: null,
      createShortLink: undefined,
      editorHeight: "22rem",
    },
    yasr: { maxPersistentResponseSize: 0 },
  });
  document.getElementById("plain-form").hidden = true;
  document.body.classList.add("with-editor");

  const currentTab = () => yasgui.getTab();

  function load(query) {
    const tab = currentTab();
    tab.setQuery(query);
    tab.getYasqe().collapsePrefixes(true);
    return tab.query();
  }

  if (config.selected) {
    load(config.initial);
  }

  // Examples: one click loads the question's query into the current tab and runs it.
  const examples = new Map(config.examples.map((e) => [e.name, e.query]));
  document.getElementById("examples").addEventListener("click", (event) => {
    const link = event.target.closest("a[data-example]");
    if (!link || !examples.has(link.dataset.example)) return;
    event.preventDefault();
    load(examples.get(link.dataset.example));
    mount.scrollIntoView({ behavior: "smooth", block: "start" });
  });

  // Result links: our IRIs (https://w3id.org/icskg/id/...) open this server's page for them.
  const localPrefixes = ["id/", "def/"].map((p) => config.base + p);
  function localise(root) {
    for (const a of root.querySelectorAll("a[href^='" + config.base + "']")) {
      const href = a.getAttribute("href");
      if (localPrefixes.some((p) => href.startsWith(p))) {
        a.setAttribute("href", config.local + href.slice(config.base.length));
        a.removeAttribute("target");
        a.classList.add("local");
      }
    }
  }
  new MutationObserver((changes) => {
    for (const change of changes) {
      for (const node of change.addedNodes) {
        if (node.nodeType === Node.ELEMENT_NODE) localise(node.parentNode || node);
      }
    }
  }).observe(mount, { childList: true, subtree: true });

  // Downloads: the endpoint's own serialisations, chosen by format=, saved as a file.
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
  mount.after(downloads);
  showDownloads();

  const extensions = { csv: "csv", json: "srj", tsv: "tsv", xml: "srx", turtle: "ttl",
                       jsonld: "jsonld", ntriples: "nt", rdfxml: "rdf" };
  downloads.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-format]");
    if (!button) return;
    downloadError.textContent = "";
    const format = button.dataset.format;
    const body = new URLSearchParams({ query: currentTab().getQuery(), format: format });
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
    const save = document.createElement("a");
    save.href = url;
    save.download = "icskg-results." + extensions[format];
    document.body.append(save);
    save.click();
    save.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  });
})();
