// What the query page reads from a query's text before sending it: its tokens, the mistakes a
// person can fix at once (a misspelt keyword or prefix, an unclosed brace), terms icskg's graph
// does not know, and how to ask for one page of a SELECT's rows and for their number.
(function (root) {
  "use strict";

  // comment | string | IRI | variable | blank node | prefixed name | number | word | other
  const TOKEN = /(#[^\n]*)|("""[\s\S]*?"""|'''[\s\S]*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|(<[^<>"{}|^`\\\s]*>)|([?$][\p{L}\p{N}_\u00B7]+)|(_:[\p{L}\p{N}_.-]*)|((?:\p{L}[\p{L}\p{N}_.\u00B7-]*)?:(?:[\p{L}\p{N}_:%\u00B7-]|\.(?=[\p{L}\p{N}_:%\u00B7-])|\\.)*)|(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|([A-Za-z_]\w*)|(\S)/gu;
  const KINDS = ["comment", "string", "iri", "var", "bnode", "pname", "number", "word", "punct"];
  const FORMS = ["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"];
  const PROLOGUE = ["PREFIX", "BASE"];
  const UPDATES = ["INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"];

  function tokenize(text) {
    const starts = [0];
    for (let i = 0; i < text.length; i++) if (text[i] === "\n") starts.push(i + 1);
    const position = (index) => {
      let lo = 0, hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid] <= index) lo = mid; else hi = mid - 1;
      }
      return { line: lo, ch: index - starts[lo] };
    };
    const tokens = [];
    for (const match of text.matchAll(TOKEN)) {
      const group = match.slice(1).findIndex((g) => g !== undefined);
      if (KINDS[group] === "comment") continue;
      tokens.push({ kind: KINDS[group], text: match[0], index: match.index,
                    from: position(match.index), to: position(match.index + match[0].length) });
    }
    return tokens;
  }

  function distance(a, b) {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      let previous = row[0];
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const saved = row[j];
        row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
        previous = saved;
      }
    }
    return row[b.length];
  }

  function nearest(word, candidates, most) {
    let best = null, bestDistance = Infinity;
    for (const candidate of candidates) {
      const d = distance(word.toLowerCase(), candidate.toLowerCase());
      if (d < bestDistance) { best = candidate; bestDistance = d; }
    }
    return bestDistance <= most ? best : null;
  }

  // The prologue: declared prefixes, and where the query's form (SELECT ...) starts.
  function prologue(tokens) {
    const declared = {};
    let i = 0;
    while (i < tokens.length && tokens[i].kind === "word" && PROLOGUE.includes(tokens[i].text.toUpperCase())) {
      if (tokens[i].text.toUpperCase() === "PREFIX") {
        const name = tokens[i + 1], iri = tokens[i + 2];
        if (name && name.kind === "pname" && name.text.endsWith(":") && iri && iri.kind === "iri") {
          declared[name.text.slice(0, -1)] = iri.text.slice(1, -1);
        }
        i += 3;
      } else {
        i += 2;
      }
    }
    return { declared, form: i };
  }

  function at(token, message) {
    return { from: token.from, to: token.to, line: token.from.line + 1, message: message };
  }

  // Mistakes the endpoint would refuse, in plain words, each at its place; and unknown terms.
  function lint(text, known) {
    const tokens = tokenize(text);
    const errors = [], warnings = [];
    if (!tokens.length) return { errors, warnings };
    const head = prologue(tokens);
    const first = tokens[head.form];
    if (first && first.kind === "word" && !FORMS.includes(first.text.toUpperCase())) {
      if (UPDATES.includes(first.text.toUpperCase())) {
        errors.push(at(first, `Line ${first.from.line + 1}: this endpoint answers queries only; ` +
                              `“${first.text}” would change the data.`));
      } else {
        const guess = nearest(first.text.toUpperCase(), PROLOGUE.concat(FORMS), 3);
        errors.push(at(first, `Line ${first.from.line + 1}: “${first.text}” is not a SPARQL keyword here` +
                              (guess ? `; did you mean ${guess}?` : "; a query starts with PREFIX, BASE, SELECT, ASK, CONSTRUCT or DESCRIBE.")));
      }
      return { errors, warnings };  // what follows cannot be read until this is fixed
    }
    const prefixes = Object.assign({}, known.prefixes, head.declared);
    // Suggestions prefer the prefixes this query uses, then those of a vocabulary, then the rest.
    const used = new Set(tokens.filter((t) => t.kind === "pname").map((t) => t.text.slice(0, t.text.indexOf(":"))));
    const rank = (name) => (used.has(name) ? 0 : 2) + (known.namespaces.has(prefixes[name]) ? 0 : 1);
    const names = Object.keys(prefixes).sort((a, b) => rank(a) - rank(b));
    const reported = new Set();
    const stack = [];
    const pairs = { "}": "{", ")": "(", "]": "[" };
    for (const token of tokens.slice(head.form)) {
      if (token.kind === "pname") {
        const colon = token.text.indexOf(":");
        const prefix = token.text.slice(0, colon), local = token.text.slice(colon + 1);
        if (!(prefix in prefixes)) {
          if (reported.has(prefix)) continue;
          reported.add(prefix);
          const guess = nearest(prefix, names, 2);
          errors.push(at(token, `Line ${token.from.line + 1}: the prefix “${prefix}:” is not declared` +
            (guess ? `; did you mean “${guess}:”?` : `; declare it with PREFIX ${prefix}: <…>.`)));
        } else if (known.terms && local) {
          const namespace = prefixes[prefix];
          if (known.namespaces.has(namespace) && !known.terms.has(namespace + local)) {
            const locals = known.locals.get(namespace) || [];
            const guess = nearest(local, locals, Math.max(2, Math.floor(local.length / 4)));
            warnings.push(at(token, `Line ${token.from.line + 1}: ${token.text} is neither in icskg's ` +
              `ontology nor used in its graph, so it matches nothing` + (guess ? `; did you mean ${prefix}:${guess}?` : ".")));
          }
        }
      } else if (token.kind === "punct" && "{([".includes(token.text)) {
        stack.push(token);
      } else if (token.kind === "punct" && token.text in pairs) {
        const open = stack.pop();
        if (!open || open.text !== pairs[token.text]) {
          errors.push(at(token, `Line ${token.from.line + 1}: this “${token.text}” closes nothing` +
            (open ? ` (the “${open.text}” on line ${open.from.line + 1} is still open)` : "") + "."));
          return { errors, warnings };
        }
      }
    }
    for (const open of stack) {
      const close = { "{": "}", "(": ")", "[": "]" }[open.text];
      errors.push(at(open, `Line ${open.from.line + 1}: this “${open.text}” is never closed: a “${close}” is missing.`));
    }
    return { errors, warnings };
  }

  // The variables a SELECT projects, in the query's order: those named after SELECT, or for
  // SELECT * those of the pattern in order of first appearance (not inside EXISTS or MINUS).
  function projection(tokens, start) {
    const vars = [];
    let i = start + 1, depth = 0;
    for (; i < tokens.length; i++) {
      const t = tokens[i], word = t.kind === "word" ? t.text.toUpperCase() : "";
      if (depth === 0 && (word === "WHERE" || word === "FROM" || t.text === "{")) break;
      if (t.text === "*" && depth === 0) return { star: true, vars: patternVars(tokens, i + 1), end: i };
      if (t.text === "(") depth++;
      else if (t.text === ")") depth--;
      else if (t.kind === "var" && (depth === 0 || (tokens[i - 1] && tokens[i - 1].text.toUpperCase() === "AS"))) {
        vars.push(t.text.slice(1));
      }
    }
    return { star: false, vars, end: i };
  }

  function patternVars(tokens, start) {
    const seen = [];
    for (let i = start; i < tokens.length; i++) {
      const t = tokens[i], word = t.kind === "word" ? t.text.toUpperCase() : "";
      if ((word === "EXISTS" || word === "MINUS") && tokens[i + 1] && tokens[i + 1].text === "{") {
        let depth = 0;
        for (i = i + 1; i < tokens.length; i++) {
          if (tokens[i].text === "{") depth++;
          else if (tokens[i].text === "}" && --depth === 0) break;
        }
      } else if (word === "SELECT") {
        const inner = projection(tokens, i);
        for (const v of inner.vars) if (!seen.includes(v)) seen.push(v);
        let depth = 1;  // skip the sub-query's own pattern: only its projection is in scope
        for (i = inner.end; i < tokens.length; i++) {
          if (tokens[i].text === "{") depth++;
          else if (tokens[i].text === "}" && --depth === 0) break;
        }
      } else if (t.kind === "var" && !seen.includes(t.text.slice(1))) {
        seen.push(t.text.slice(1));
      }
    }
    return seen;
  }

  // How to ask for a SELECT's rows a page at a time and for their number: the query becomes a
  // sub-query. Null when that cannot be done (not a SELECT, or a dataset named with FROM).
  function plan(text) {
    const tokens = tokenize(text);
    const head = prologue(tokens);
    const form = tokens[head.form];
    if (!form || form.text.toUpperCase() !== "SELECT") return null;
    if (tokens.some((t) => t.kind === "word" && t.text.toUpperCase() === "FROM")) return null;
    const projected = projection(tokens, head.form);
    if (!projected.vars.length) return null;
    const before = text.slice(0, form.index), body = text.slice(form.index);
    const columns = projected.vars.map((v) => "?" + v).join(" ");
    const wrapper = `SELECT ${columns} WHERE { { `;
    return {
      vars: projected.vars,
      page: (offset, limit) => `${before}${wrapper}${body}\n} } LIMIT ${limit} OFFSET ${offset}`,
      count: () => `${before}SELECT (COUNT(*) AS ?rows) WHERE { { ${body}\n} }`,
      all: () => `${before}${wrapper}${body}\n} }`,
    };
  }

  root.IcskgSparql = { tokenize, lint, plan, nearest };
})(window);
