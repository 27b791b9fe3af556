/* autodiff_viz page: steps through the embedded trace records (schema autodiff_viz.trace
   v1). It only reads and formats stored numbers: no value, partial or sum is computed
   here (a sum is shown once the record holds it, after its last term). */
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("autodiff-data").textContent);
  var DOT = "\u0307", BAR = "\u0304", MINUS = "\u2212", MUL = "\u00b7";
  var state = { notation: DATA.notation, digits: DATA.digits, pass: 0, step: 0, timer: null };
  var passes = [];
  var $ = function (id) { return document.getElementById(id); };

  // -- formatting (the rules of autodiff_viz.views.lines, for display only) ----------
  function stripZeros(s) {
    return s.indexOf(".") < 0 ? s : s.replace(/0+$/, "").replace(/\.$/, "");
  }
  function gFormat(x, d) {             // Python's "%.{d}g", exponent as e-7 / e21
    if (x === 0) return "0";
    var parts = x.toExponential(d - 1).split("e");
    var exp = parseInt(parts[1], 10);
    if (exp < -4 || exp >= d) return stripZeros(parts[0]) + "e" + exp;
    var s = stripZeros(x.toFixed(Math.max(0, d - 1 - exp)));
    return s === "-0" ? "0" : s;
  }
  function number(x) {
    if (typeof x === "string") return x;              // "nan", "inf", "-inf"
    var d = state.digits, s;
    s = d === null ? String(x) : gFormat(x, d);     // all digits: the shortest exact text
    return s.replace(/-/g, MINUS);
  }
  function inline(v) {                                 // [1, 2; 3, 4] for a matrix
    if (!Array.isArray(v)) return number(v);
    if (v.length && Array.isArray(v[0])) return "[" + v.map(function (r) {
      return Array.isArray(r[0]) ? inline(r) : r.map(number).join(", ");
    }).join("; ") + "]";
    return "[" + v.map(number).join(", ") + "]";
  }
  function paren(s) {
    return (s.charAt(0) === "-" || s.charAt(0) === MINUS || s.indexOf(" ") >= 0)
      && s.charAt(0) !== "[" ? "(" + s + ")" : s;
  }
  function restyle(f) {
    if (f.indexOf("e-") >= 0) return f;
    return f.replace(/\*/g, MUL).replace(/(^|[^A-Za-z0-9_])-/g, "$1" + MINUS);
  }
  function mark(name, m) { return (name.charAt(0) + m + name.slice(1)).normalize("NFC"); }
  function tangent(name) { return mark(name, DOT); }
  function adjoint(name) { return mark(name, BAR); }
  function dname(a, b) { return "\u2202" + a + "/\u2202" + b; }
  function once(name, symbolic, numeric, value) {      // never the same thing twice in a row
    if (numeric && (numeric === symbolic || numeric === value)) numeric = "";
    if (symbolic && (symbolic === name || (symbolic === value && !numeric))) symbolic = "";
    return [name, symbolic, numeric, value].filter(function (p) { return p; }).join(" = ");
  }

  // -- the records ----------------------------------------------------------------------
  function T() { return DATA.traces[state.notation]; }
  /* as lines.adjoint_name / tangent_name: w̄1 and ẇ1, or ∂out/∂w1 and ∂w1/∂x where the
     graph already has a node of that name (a derivative graph traced again) */
  function adjointIn(p, name) {
    var b = adjoint(name);
    return idOf(b) === undefined ? b : "\u2202" + T().reverse[p.run].output + "/\u2202" + name;
  }
  function tangentIn(p, name) {
    var d = tangent(name), x = seededInput(p.run);
    return idOf(d) === undefined || x === null ? d : "\u2202" + name + "/\u2202" + x;
  }
  function nodeById(id) { return T().nodes[indexOf()[id]]; }
  var _index = {};
  function indexOf() {
    var key = state.notation;
    if (!_index[key]) {
      var byId = {}, byName = {};
      T().nodes.forEach(function (n, i) { byId[n.id] = i; byName[n.name] = n.id; });
      _index[key] = { byId: byId, byName: byName };
    }
    return _index[key].byId;
  }
  function idOf(name) { indexOf(); return _index[state.notation].byName[name]; }
  function byName(name) { return nodeById(idOf(name)); }
  function isOutput(id) {
    var outs = T().outputs, names = [];
    Object.keys(outs).forEach(function (o) { if (idOf(outs[o].node) === id) names.push(o); });
    return names;
  }
  /* the k-th partial of node `child` with respect to parent `parent`: terms name their
     parent or child; a node that uses one parent twice (x*x) has a term per use, in order */
  function partialFor(child, parent, occurrence) {
    var seen = 0, ps = child.partials;
    for (var i = 0; i < ps.length; i++) {
      if (ps[i].parent === parent) { if (seen === occurrence) return ps[i]; seen += 1; }
    }
    return null;
  }
  function occurrences(terms, key) {
    var count = {};
    return terms.map(function (t) { var n = count[t[key]] || 0; count[t[key]] = n + 1; return n; });
  }
  function seededInput(run) {                       // the one input a pass seeds, or null
    var seed = T().forward[run].seed, names = Object.keys(seed).filter(function (n) {
      var v = seed[n]; return Array.isArray(v) || v !== 0; });
    return names.length === 1 ? names[0] : null;
  }
  function seedName(run) {          // the input x when the pass gives ∂z/∂x (a scalar, seed 1)
    var x = seededInput(run), seed = T().forward[run].seed;
    return x !== null && seed[x] === 1 && !Array.isArray(T().inputs[x].value) ? x : null;
  }
  // -- passes and steps -----------------------------------------------------------------
  function buildPasses() {
    var t = T(), out = [];
    var prim = t.nodes.filter(function (n) { return n.kind !== "const"; });
    if (!prim.length) prim = t.nodes;
    out.push({ kind: "primal", run: 0, key: "primal", label: "Primal pass (inputs to output)",
               steps: prim.map(function (n) { return { node: n.id, term: null, last: true }; }) });
    t.forward.forEach(function (f, k) {
      var s = seededInput(k), steps = [];
      f.steps.forEach(function (fs) {
        var id = idOf(fs.node), n = fs.terms.length;
        if (n && nodeById(id).kind === "op") {
          for (var j = 0; j < n; j++) steps.push({ node: id, term: j, last: j === n - 1 });
        } else steps.push({ node: id, term: null, last: true });
      });
      var seedText = Object.keys(f.seed).map(function (x) { return x + " = " + inline(f.seed[x]); });
      out.push({ kind: "forward", run: k, key: s ? "forward-" + s : "forward-" + (k + 1),
                 label: "Forward pass, seed " + seedText.join(", ") + " (inputs to output)",
                 steps: steps });
    });
    t.reverse.forEach(function (r, k) {
      var steps = [];
      r.steps.forEach(function (rs) {
        var id = idOf(rs.node), n = rs.terms.length;
        if (n) { for (var j = 0; j < n; j++) steps.push({ node: id, term: j, last: j === n - 1 }); }
        else steps.push({ node: id, term: null, last: true });
      });
      out.push({ kind: "reverse", run: k, key: "reverse-" + r.output,
                 label: "Reverse pass for " + r.output + " (output to inputs)", steps: steps });
    });
    return out;
  }
  function record(p, id) {                          // the forward/reverse step of node id
    var list = p.kind === "forward" ? T().forward[p.run].steps : T().reverse[p.run].steps;
    var name = nodeById(id).name;
    for (var i = 0; i < list.length; i++) if (list[i].node === name) return list[i];
    return null;
  }

  // -- one step's text --------------------------------------------------------------------
  function withValues(n) {
    var tpl = DATA.templates[state.notation][String(n.id)];
    if (tpl === undefined) return "";
    return tpl.replace(/\u0000(\d+)\u0000/g, function (_, k) {
      return inline(byName(n.parents[+k]).value);
    });
  }
  function termParts(p, id, rec, j) {
    /* [symbolic, numeric, value, the node read, the edge id, the partial] of term j: the
       carried quantity first, then the local partial (both factors), as the text views
       write it (DATA.terms: the formula; whether its factors are shown) */
    var term = rec.terms[j], fw = p.kind === "forward", child, parentName, carried, read;
    if (fw) {
      child = nodeById(id); parentName = term.parent; carried = term.parent_tangent;
      read = idOf(term.parent);
    } else {
      child = byName(term.child); parentName = nodeById(id).name; carried = term.child_adjoint;
      read = child.id;
    }
    var occ = occurrences(rec.terms, fw ? "parent" : "child")[j];
    var part = partialFor(child, parentName, occ);
    var pos = part ? part.position : null;
    var text = pos === null ? null : DATA.terms[state.notation][(fw ? "f" : "r") + child.id + "_" + pos];
    var sym = text ? text[0] : (fw ? tangentIn(p, term.parent) : adjointIn(p, term.child)) + MUL +
      paren(restyle(part ? part.formula : "?"));
    var factors = text ? text[1] : term.partial !== null;
    var num = factors && term.partial !== null ? paren(inline(carried)) + MUL + paren(inline(term.partial)) : "";
    return [sym, num, inline(term.value), read, pos === null ? null : "e" + child.id + "_" + pos, part];
  }
  function stepView(p, i) {
    /* {title, rows: [[label, text, class]], current, reads: [ids], edge} */
    var s = p.steps[i], n = nodeById(s.node), rows = [], reads = [], edge = null;
    var title = p.label + ": step " + (i + 1) + " of " + p.steps.length + ", ";
    if (p.kind === "primal") {
      title += n.name;
      if (n.kind === "op") {
        rows.push(["node", n.name + " = " + restyle(n.formula)]);
        rows.push(["with values", withValues(n)]);
        reads = n.parents.map(idOf);
      } else {
        rows.push(["node", n.name + (n.variable ? " = " + n.variable + " (an input)" : "")]);
      }
      rows.push(["stores", n.kind === "op" ? once(n.name, restyle(n.formula), withValues(n),
        inline(n.value)) : once(n.name, n.variable || "", "", inline(n.value)), "result"]);
      rows.push(["local partials", partialsText(n)]);
      return { title: title, rows: rows, reads: reads, edge: null };
    }
    var rec = record(p, s.node), fw = p.kind === "forward";
    var name = fw ? tangentIn(p, n.name) : adjointIn(p, n.name);
    var value = inline(fw ? rec.tangent : rec.adjoint);
    title += name;
    if (s.term === null) {
      if (fw) rows.push(["node", name + (n.kind === "op" ? " (no term: only constants)" :
        " is the seed of " + (n.variable || n.name)), ""]);
      else rows.push(["node", name + (T().reverse[p.run].output &&
        isOutput(s.node).indexOf(T().reverse[p.run].output) >= 0 ? " is the seed of the output " +
        T().reverse[p.run].output : " (no children reach the output)")]);
      rows.push(["stores", name + " = " + value, "result"]);
    } else {
      var all = rec.terms.map(function (_, j) { return termParts(p, s.node, rec, j); });
      var m = all.length, cur = all[s.term], t = rec.terms[s.term];
      title += m > 1 ? ", term " + (s.term + 1) + " of " + m : "";
      var how = fw ? "" : "   (sum over its children " +
        rec.terms.map(function (x) { return x.child; }).join(", ") + ")";
      rows.push(["node", name + " = " + all.map(function (a) { return a[0]; }).join(" + ") +
                 (m > 1 ? how : "")]);
      var partText = cur[5] ? dname(fw ? n.name : t.child, fw ? t.parent : n.name) + " = " +
        once("", restyle(cur[5].formula), "", t.partial === null ? "" : inline(t.partial))
          .replace(/^ = /, "") : "";
      rows.push(["uses", fw
        ? tangentIn(p, t.parent) + " = " + inline(t.parent_tangent) + " (tangent of " + t.parent +
          ")" + (partText ? ", " + partText : "")
        : adjointIn(p, t.child) + " = " + inline(t.child_adjoint) + " (adjoint of the child " +
          t.child + ")" + (partText ? ", " + partText : "")]);
      rows.push(["adds term", once("", cur[0], cur[1], cur[2]).replace(/^ = /, ""), "term"]);
      var sofar = all.slice(0, s.term + 1).map(function (a) { return a[1] || paren(a[2]); });
      var more = m - s.term - 1;             // the sum's value: once the record holds it
      var sumText = s.last ? once(name, all.map(function (a) { return a[0]; }).join(" + "),
                                  sofar.join(" + "), value)
        : name + " = " + sofar.join(" + ") + " + \u2026 (" + more + " more term" +
          (more === 1 ? ")" : "s)");
      rows.push([s.last ? "result" : "running sum", sumText, s.last ? "result" : ""]);
      reads = [cur[3]];
      edge = cur[4];
    }
    if (s.last) {
      var note = resultNote(p, s.node);
      if (note) rows.push(["is", note, "result"]);
    }
    rows.push(["local partials", partialsText(n)]);
    return { title: title, rows: rows, reads: reads, edge: edge };
  }
  function partialsText(n) {                        // ∂w4/∂w1 = w2 = 3, ∂w4/∂w2 = w1 = 2
    var parts = n.partials.map(function (q) {
      return once(dname(n.name, q.parent), restyle(q.formula), "",
                  q.value === null ? "" : inline(q.value));
    });
    return parts.length ? parts.join(", ") :
      "none (" + (n.kind === "op" ? "constants only" : "an input") + ")";
  }
  function resultNote(p, id) {
    var n = nodeById(id);
    if (p.kind === "forward") {
      var outs = isOutput(id), x = seedName(p.run);
      if (!outs.length) return "";
      return outs.map(function (o) {
        return x ? dname(o, x) + " (the derivative with respect to " + x + ")"
                 : "the directional derivative of " + o + " along the seed";
      }).join(", ");
    }
    if (p.kind === "reverse" && (n.kind === "input" || n.kind === "param") && n.variable)
      return dname(T().reverse[p.run].output, n.variable) + " (gradient entry)";
    return "";
  }

  // -- progress: what is stored after step i ------------------------------------------
  function progress(p, i) {
    var done = {}, partial = {};
    for (var j = 0; j <= i; j++) {
      var s = p.steps[j];
      if (s.last) done[s.node] = true; else partial[s.node] = true;
    }
    Object.keys(done).forEach(function (k) { delete partial[k]; });
    return { done: done, partial: partial };
  }

  // -- drawing ----------------------------------------------------------------------------
  function cellHTML(v) {
    if (!Array.isArray(v)) return esc(number(v));
    var rows = Array.isArray(v[0]) ? v : [v];
    if (rows.length > 8 || rows[0].length > 8 || Array.isArray((rows[0] || [])[0]))
      return esc(inline(v).slice(0, 120));
    return '<table class="matrix">' + rows.map(function (r) {
      return "<tr>" + r.map(function (x) { return "<td>" + esc(number(x)) + "</td>"; })
        .join("") + "</tr>"; }).join("") + "</table>";
  }
  function esc(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  function drawTable(p, i, view) {
    var t = T(), pr = progress(p, i), prim = pr;
    var extra = p.kind === "forward" ? "tangent" : p.kind === "reverse" ? "adjoint" : null;
    var firstInput = Object.keys(t.inputs)[0];           // the letter the names use (u
    var letter = firstInput ? t.inputs[firstInput].node.charAt(0) : state.notation;  // when w is taken)
    var head = "<tr><th>node</th><th>definition</th><th>value</th>" + (extra ? "<th>" +
      (extra === "tangent" ? tangent(letter) + " tangent" : adjoint(letter) + " adjoint") +
      "</th>" : "") + "</tr>";
    var cur = p.steps[i].node, rows = [];
    t.nodes.forEach(function (n) {
      if (n.kind === "const") return;
      var valueKnown = p.kind !== "primal" || prim.done[n.id];
      var cls = [n.id === cur ? "current" : "", view.reads.indexOf(n.id) >= 0 ? "reads" : ""]
        .join(" ").trim();
      var r = '<tr data-node="' + n.id + '"' + (cls ? ' class="' + cls + '"' : "") + ">" +
        "<td>" + esc(n.name) + "</td><td>" + esc(n.kind === "op" ? restyle(n.formula) :
        (n.variable || "")) + "</td>" + '<td class="num' + (valueKnown ? "" : " pending") + '">' +
        (valueKnown ? cellHTML(n.value) : "") + "</td>";
      if (extra) {
        var rec = record(p, n.id);
        var known = rec && pr.done[n.id], part = rec && pr.partial[n.id];
        r += '<td class="num' + (known ? "" : " pending") + '">' +
          (known ? cellHTML(extra === "tangent" ? rec.tangent : rec.adjoint) :
           part ? "\u2026" : rec ? "" : "\u2014") + "</td>";
      }
      rows.push(r + "</tr>");
    });
    $("trace-table").innerHTML = head + rows.join("");
    $("table-title").textContent = p.kind === "primal" ? "Trace table: values" :
      "Trace table: values and " + extra + "s (" + p.label.split(" (")[0] + ")";
  }
  function drawResults(p, i) {
    var t = T(), pr = progress(p, i), rows = [], titleText;
    if (p.kind === "primal") {
      titleText = "Outputs";
      Object.keys(t.outputs).forEach(function (o) {
        var id = idOf(t.outputs[o].node);
        rows.push([o, pr.done[id] ? cellHTML(t.outputs[o].value) : ""]);
      });
    } else if (p.kind === "forward") {
      var x = seedName(p.run);
      titleText = x ? "Derivatives with respect to " + x : "Directional derivatives";
      Object.keys(t.outputs).forEach(function (o) {
        var id = idOf(t.outputs[o].node), rec = record(p, id);
        rows.push([x ? dname(o, x) : "along the seed: " + tangent(o),
                   rec && pr.done[id] ? cellHTML(rec.tangent) : ""]);
      });
    } else {
      var r = t.reverse[p.run];
      titleText = "Gradient of " + r.output;
      Object.keys(t.inputs).forEach(function (x) {
        if (!(x in r.gradient)) return;
        var id = idOf(t.inputs[x].node), rec = record(p, id);
        rows.push([dname(r.output, x), rec && pr.done[id] ? cellHTML(rec.adjoint) :
          rec ? "" : cellHTML(r.gradient[x])]);
      });
    }
    $("result-title").textContent = titleText;
    $("result-table").innerHTML = rows.map(function (r) {
      return "<tr><th>" + esc(r[0]) + '</th><td class="num">' + (r[1] || "&nbsp;") +
        "</td></tr>"; }).join("");
  }
  function drawGraph(p, i, view) {
    var svg = $("graph").querySelector("svg");
    if (!svg) return;
    var pr = progress(p, i);
    svg.querySelectorAll("g.node, g.edge").forEach(function (g) {
      g.classList.remove("current", "reads", "carries", "pending");
      g.removeAttribute("aria-current");
    });
    svg.querySelectorAll("g.node").forEach(function (g) {
      var id = +g.id.slice(1);
      if (p.kind === "primal" && !pr.done[id] && (nodeById(id) || {}).kind !== "const")
        g.classList.add("pending");
    });
    var cur = svg.querySelector("#n" + p.steps[i].node);
    if (cur) { cur.classList.add("current"); cur.setAttribute("aria-current", "step"); }
    view.reads.forEach(function (id) {
      var g = svg.querySelector("#n" + id); if (g) g.classList.add("reads");
    });
    if (view.edge) { var e = svg.querySelector("#" + view.edge); if (e) e.classList.add("carries"); }
    if (p.kind === "primal") {
      nodeById(p.steps[i].node).parents.forEach(function (name, k) {
        var e = svg.querySelector("#e" + p.steps[i].node + "_" + k); if (e) e.classList.add("carries");
      });
    }
  }
  function drawStep(view) {
    $("step-title").textContent = view.title;
    $("step-detail").innerHTML = view.rows.map(function (r) {
      return "<tr" + (r[2] ? ' class="' + r[2] + '"' : "") + "><th>" + esc(r[0]) + "</th><td>" +
        esc(r[1]) + "</td></tr>"; }).join("");
  }
  function fragment(p) {
    var first = passes.filter(function (q) { return q.kind === p.kind; })[0] === p;
    return (first ? p.kind : p.key) + "/" + (state.step + 1);
  }
  function render(updateHash) {
    var p = passes[state.pass], i = state.step, view = stepView(p, i);
    drawStep(view); drawTable(p, i, view); drawResults(p, i); drawGraph(p, i, view);
    document.body.setAttribute("data-pass", p.kind);
    document.body.setAttribute("data-run", p.key);
    document.body.setAttribute("data-step", String(i + 1));
    document.body.setAttribute("data-notation", state.notation);
    $("position").textContent = "step " + (i + 1) + " of " + p.steps.length;
    $("pass").value = String(state.pass);
    $("back").disabled = $("first").disabled = i === 0;
    $("next").disabled = $("last").disabled = i === p.steps.length - 1;
    if (updateHash !== false && window.history && window.history.replaceState) {
      try { window.history.replaceState(null, "", "#" + fragment(p)); } catch (e) { /* file:// */ }
    }
  }
  function drawPicture() {
    var g = $("graph"), svg = DATA.svg[state.notation];
    if (svg) { g.innerHTML = svg; $("graph-missing").hidden = true; }
    else {
      g.innerHTML = "";
      $("graph-missing").hidden = false;
      $("graph-missing").textContent = DATA.missing_picture ||
        "No picture for this notation; the steps and tables are complete.";
    }
    g.querySelectorAll("g.node").forEach(function (node) {
      var title = node.querySelector("title"); if (title) title.textContent += " (click: its step)";
      node.setAttribute("tabindex", "0");
      node.setAttribute("role", "button");
      node.addEventListener("click", function () { jumpToNode(+node.id.slice(1)); });
      node.addEventListener("keydown", function (e) {
        if (e.key === "Enter") { e.stopPropagation(); jumpToNode(+node.id.slice(1)); }
      });
    });
  }

  // -- navigation ---------------------------------------------------------------------------
  function go(step) {
    var n = passes[state.pass].steps.length;
    state.step = Math.max(0, Math.min(n - 1, step));
    render();
  }
  function jumpToNode(id) {
    var p = passes[state.pass], steps = p.steps, hit = -1;
    for (var i = 0; i < steps.length; i++) if (steps[i].node === id && steps[i].last) hit = i;
    if (hit < 0 && p.kind !== "primal") {        // not in this pass: its primal step
      state.pass = 0;
      steps = passes[0].steps;
      for (var j = 0; j < steps.length; j++) if (steps[j].node === id) hit = j;
    }
    if (hit >= 0) go(hit);
  }
  function setPlaying(on) {
    if (state.timer) { clearInterval(state.timer); state.timer = null; }
    if (on) {
      if (state.step === passes[state.pass].steps.length - 1) go(0);
      state.timer = setInterval(function () {
        if (state.step >= passes[state.pass].steps.length - 1) setPlaying(false);
        else go(state.step + 1);
      }, +$("speed").value);
    }
    $("play").textContent = on ? "\u275A\u275A pause" : "\u25B6 play";
    $("play").setAttribute("aria-label", on ? "pause" : "play");
    document.body.setAttribute("data-playing", on ? "true" : "false");
  }
  function fromHash() {
    var h = decodeURIComponent((window.location.hash || "").replace(/^#/, ""));
    if (!h) return false;
    var m = /^([a-z]+)(?:-(.+?))?(?:\/(\d+))?$/.exec(h);
    if (!m) return false;
    var found = -1;
    passes.forEach(function (p, k) {
      if (found >= 0 || p.kind !== m[1]) return;
      if (!m[2] || p.key === p.kind + "-" + m[2]) found = k;
    });
    if (found < 0) return false;
    state.pass = found;
    var n = passes[found].steps.length;
    state.step = m[3] ? Math.max(0, Math.min(n - 1, parseInt(m[3], 10) - 1)) : 0;
    return true;
  }

  // -- set-up -------------------------------------------------------------------------------
  function fillSelects() {
    $("pass").innerHTML = passes.map(function (p, k) {
      return '<option value="' + k + '">' + esc(p.label.split(" (")[0]) + "</option>";
    }).join("");
    $("notation").innerHTML = Object.keys(DATA.traces).map(function (n) {
      var names = DATA.traces[n].nodes.slice(0, 2).map(function (x) { return x.name; });
      return '<option value="' + n + '">' + esc(n + ": " + names.join(", ") + ", \u2026") +
        "</option>";
    }).join("");
    $("notation").value = state.notation;
    $("digits").value = state.digits === null ? "full" : String(state.digits);
    if ($("digits").value === "" && state.digits !== null) {
      $("digits").insertAdjacentHTML("beforeend", '<option value="' + state.digits + '">' +
        state.digits + "</option>");
      $("digits").value = String(state.digits);
    }
  }
  function start() {
    var t = T();
    $("title").textContent = DATA.title;
    if (DATA.title.length > 90) $("title").classList.add("long");
    $("notes").innerHTML = (t.notes || []).map(function (n) {
      return "<li>" + esc(n) + "</li>"; }).join("");
    passes = buildPasses();
    fillSelects();
    fromHash();
    drawPicture();
    render(false);
    $("first").addEventListener("click", function () { go(0); });
    $("back").addEventListener("click", function () { go(state.step - 1); });
    $("next").addEventListener("click", function () { go(state.step + 1); });
    $("last").addEventListener("click", function () { go(1e9); });
    $("play").addEventListener("click", function () { setPlaying(!state.timer); });
    $("speed").addEventListener("change", function () { if (state.timer) setPlaying(true); });
    $("pass").addEventListener("change", function () {
      state.pass = +$("pass").value; state.step = 0; render();
    });
    $("notation").addEventListener("change", function () {
      state.notation = $("notation").value; passes = buildPasses(); drawPicture(); render();
    });
    $("digits").addEventListener("change", function () {
      var v = $("digits").value; state.digits = v === "full" ? null : +v; render();
    });
    window.addEventListener("hashchange", function () { if (fromHash()) render(false); });
    document.addEventListener("keydown", function (e) {
      var tag = (e.target && e.target.tagName) || "";
      if (tag === "SELECT" || tag === "INPUT" || tag === "TEXTAREA" || e.altKey || e.ctrlKey ||
          e.metaKey) return;
      var keys = { ArrowRight: function () { go(state.step + 1); },
                   ArrowLeft: function () { go(state.step - 1); },
                   Home: function () { go(0); }, End: function () { go(1e9); },
                   " ": function () { setPlaying(!state.timer); } };
      if (keys[e.key]) { e.preventDefault(); keys[e.key](); }
    });
  }
  start();
})();
