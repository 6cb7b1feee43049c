// Front end of sfnkit's notebook widgets (sfnkit.widgets.GraphView and sfnkit.widgets.Debugger) for anywidget.
//
// A plain ES module with no dependencies, no bundler and no network: anywidget loads this text into the page.
// Both widgets use this one file (an anywidget module cannot import a sibling file); the trait `_view` says
// which one to draw.
//
// Safety: every text that comes from the kernel (state names, inputs, outputs, errors, causes) is written with
// textContent or setAttribute, never as markup. The only markup inserted is the graph's SVG, which is parsed
// as XML and stripped of scripts, foreign objects, event-handler attributes, animations and links before it is
// put into the page.
//
// The kernel does the work: it lays the graph out once (the `svg` trait) and sends small updates (`status`,
// `info`, `inspector`...). Recolouring only sets attributes on the existing SVG. A replay (`timeline` trait) is
// scrubbed here in the browser with no message to the kernel per step.
//
// Layout of this file: the messages' types (mirroring sfnkit/widgets/messages.py), DOM helpers, the SVG picture
// (`Graph`), GraphView, then the Debugger's components (each: constructor(container, callbacks) and
// update(state), the state's type a JSDoc typedef) and `renderDebugger`, which only wires them to the model.
// TypeScript checks the JSDoc types (tests/jsdoc/tsconfig.json).

const STATUS_LABELS = {
  not_run: "not run",
  running: "running",
  waiting: "waiting",
  succeeded: "succeeded",
  retried: "retried",
  caught: "caught",
  failed: "failed",
  aborted: "aborted",
};

// -- messages: mirrors sfnkit/widgets/messages.py (same names, same keys; tests/test_widgets.py compares) ----

/** @typedef {Array} EventRow [event id, type, state name, seconds since the start, scope, error] */
/** @typedef {Array} StatusChange [event id, state name, status] */
/**
 * Front end -> Python: a button or gesture (`action`) and what it needs.
 * @typedef {Object} ActionMessage
 * @property {string} [action]
 * @property {string} [name]
 * @property {(string|null)} [token]
 * @property {string} [output]
 * @property {string} [error]
 * @property {string} [cause]
 */
/**
 * @typedef {Object} AttemptRecord
 * @property {number} number
 * @property {string} kind
 * @property {string} resource
 * @property {string} status
 * @property {(string|null)} error
 * @property {(string|null)} cause
 * @property {(string|null)} sent
 * @property {(string|null)} result
 * @property {(number|null)} scheduled
 * @property {(number|null)} ended
 * @property {(number|null)} at
 * @property {(number|null)} duration
 * @property {(number|null)} backoff
 */
/**
 * @typedef {Object} ErrorRecord
 * @property {(number|null)} event
 * @property {string} type
 * @property {(string|null)} error
 * @property {(string|null)} cause
 * @property {string} outcome
 */
/**
 * `info` trait: the execution's status and position; `seq` grows on every update.
 * @typedef {Object} Info
 * @property {number} seq
 * @property {string} status
 * @property {boolean} done
 * @property {string} summary
 * @property {(string|null)} error
 * @property {(string|null)} cause
 * @property {(Position|null)} position
 * @property {(PauseError|null)} pause_error
 * @property {string} note
 * @property {number} events
 */
/**
 * `inspector` trait: the selected state's visits, newest last.
 * @typedef {Object} InspectorData
 * @property {string} state
 * @property {(string|null)} type
 * @property {number} total
 * @property {number} matching
 * @property {Array<VisitRecord>} visits
 * @property {boolean} live
 */
/**
 * `timeline` trait: event rows with each type replaced by its index in `types`.
 * @typedef {Object} PackedRows
 * @property {Array<string>} types
 * @property {Array<Array<*>>} events
 */
/**
 * @typedef {Object} PauseError
 * @property {string} error
 * @property {string} cause
 */
/**
 * One item of the `pending` trait: a task token and the state waiting on it.
 * @typedef {Object} PendingTask
 * @property {string} token
 * @property {(string|null)} state
 * @property {(string|null)} path
 * @property {(string|null)} resource
 */
/**
 * Where a paused execution stands.
 * @typedef {Object} Position
 * @property {string} state
 * @property {string} scope
 * @property {string} reason
 */
/**
 * `_styles` trait: how each status is drawn, and its rank (a collapsed node shows the highest).
 * @typedef {Object} StatusStyle
 * @property {string} fill
 * @property {string} stroke
 * @property {string} label
 * @property {string} glyph
 * @property {number} rank
 */
/**
 * One visit in the inspector; `explain` (plain-words steps) is added for a local execution.
 * @typedef {Object} VisitRecord
 * @property {number} entered
 * @property {(number|null)} ended
 * @property {string} path
 * @property {string} scope
 * @property {(number|null)} iteration
 * @property {string} status
 * @property {(number|null)} at
 * @property {(number|null)} duration
 * @property {Array<Array<*>>} stages
 * @property {(string|null)} next
 * @property {(string|null)} variables
 * @property {Array<AttemptRecord>} attempts
 * @property {number} retries
 * @property {(ErrorRecord|null)} error
 * @property {Array<string>} [explain]
 */

// -- small DOM helpers --------------------------------------------------------------------------------------

/** Create an element; string children become text nodes (never markup). Attribute names come from this file. */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") el.className = v;
      else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? "" : String(v));
    }
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function listen(model, handlers) {
  for (const [event, fn] of handlers) model.on(event, fn);
  return () => {
    for (const [event, fn] of handlers) model.off(event, fn);
  };
}

function fmtSeconds(s) {
  if (s === null || s === undefined) return "";
  const a = Math.abs(s);
  if (a < 60) return `${Number(s.toFixed(3))} s`;
  if (a < 3600) return `${(s / 60).toFixed(1)} min`;
  if (a < 172800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} days`;
}

function badge(status) {
  return h("span", { class: `sfn-badge sfn-badge-${status}`, "data-status": status }, STATUS_LABELS[status] || status);
}

// -- the SVG picture ------------------------------------------------------------------------------------------

const DROP_ELEMENTS = "script, foreignObject, iframe, object, embed, a, animate, set, animateMotion, animateTransform, use, image, style";

/** Parse the kernel's SVG text as XML and keep only inert drawing: no scripts, handlers, links or animations. */
function parseSvg(text) {
  if (!text) return null;
  const doc = new DOMParser().parseFromString(text, "image/svg+xml");
  const root = doc.documentElement;
  if (!root || root.localName !== "svg" || doc.getElementsByTagName("parsererror").length) return null;
  for (const bad of [...root.querySelectorAll(DROP_ELEMENTS)]) {
    // keep what a link or an <a> wrapped, drop the element itself
    if (bad.localName === "a") bad.replaceWith(...bad.childNodes);
    else bad.remove();
  }
  for (const el of [root, ...root.querySelectorAll("*")]) {
    for (const attr of [...el.attributes]) {
      const name = attr.name.toLowerCase();
      const value = attr.value.replace(/[\s\u0000-\u001f]+/g, "").toLowerCase();
      if (
        name.startsWith("on") ||
        name === "href" ||
        name.endsWith(":href") ||
        ((name === "style" || name === "fill" || name === "stroke" || name === "filter") && value.includes("url(") && !value.includes("url(#"))
      ) {
        el.removeAttribute(attr.name);
      }
    }
  }
  return document.importNode(root, true);
}

// Zoom: the picture is drawn at its natural size (Graphviz points -> CSS px) times `zoom`. The smallest text in
// sfnkit's SVG is 10 user units (edge labels, type lines, legend), i.e. 13.3 px at zoom 1; the automatic fit never
// shrinks below READABLE_ZOOM, so every label stays at least 11 px tall. "Fit" (the user's choice) may go lower.
const PT_TO_PX = 4 / 3;
const SMALLEST_TEXT = 10;
const MIN_LABEL_PX = 11;
const READABLE_ZOOM = (MIN_LABEL_PX + 0.05) / (SMALLEST_TEXT * PT_TO_PX); // a hair over, against rounding
const MIN_ZOOM = 0.2;
const MAX_ZOOM = 4;
const GESTURES = "Click a state: inspect · double-click, Shift-click or B: breakpoint · drag: pan · Ctrl+wheel: zoom";
const SVG_NS = "http://www.w3.org/2000/svg";

/** The nearest ancestor that scrolls vertically (the notebook panel in JupyterLab), or the page. */
function scrollParent(el) {
  for (let p = el.parentElement; p; p = p.parentElement) {
    const oy = getComputedStyle(p).overflowY;
    if ((oy === "auto" || oy === "scroll") && p.scrollHeight > p.clientHeight) return p;
  }
  return document.scrollingElement || document.documentElement;
}

/**
 * The graph's marks.
 * @typedef {Object} Marks
 * @property {string} selected  the selected state ("": none)
 * @property {string} current  where a live run is paused ("": nowhere)
 * @property {string} failing  the state paused on its error ("": none)
 * @property {Object<string, string>} breakpoints  state name -> condition ("": always)
 */
/**
 * What the graph calls.
 * @typedef {Object} GraphCallbacks
 * @property {function(string): void} onSelect  a state clicked (or Enter / Space on it)
 * @property {function(string): void} [onToggle]  a state double-clicked, Shift-clicked or B pressed on it
 * @property {string} [gestures]  the hint shown beside the zoom buttons
 */

/** The picture: the kernel's SVG, recoloured and marked in place, zoomed and panned in the browser. */
class Graph {
  /** @param {GraphCallbacks} callbacks */
  constructor({ onSelect, onToggle, gestures }) {
    this.el = h("div", { class: "sfn-graph" }); // the viewport: scrolls sideways only, sized to the picture
    this.states = new Map(); // state name -> <g class="sfn-state"> (a collapsed node: the name it is drawn under)
    this.members = new Map(); // <g> of a collapsed node -> the names of the states it stands for (data-members)
    this.owner = new Map(); // a collapsed member's name -> the <g> that draws it
    this.shown = new Map(); // state name -> status drawn
    this.marks = { selected: "", current: "", failing: "", breakpoints: {} };
    this.styles = null;
    this.svg = null;
    this.natural = { w: 0, h: 0 }; // CSS px at zoom 1
    this.zoom = 1;
    this.auto = true; // follow the box's width until the user zooms
    const zb = (label, cls, title, fn) => h("button", { type: "button", class: `sfn-btn sfn-zoombtn ${cls}`, title, "aria-label": title, onclick: fn }, label);
    this.level = h("span", { class: "sfn-zoom-level", "aria-live": "polite" });
    this.zoombar = h("div", { class: "sfn-zoombar" },
      zb("−", "sfn-zoom-out", "Zoom out", () => this.setZoom(this.zoom / 1.25)),
      zb("+", "sfn-zoom-in", "Zoom in", () => this.setZoom(this.zoom * 1.25)),
      zb("Fit", "sfn-fit", "Fit the whole graph in view", () => this.fit()),
      zb("100%", "sfn-zoom-reset", "Natural size", () => this.setZoom(1)),
      this.level,
      gestures ? h("span", { class: "sfn-hint sfn-muted" }, gestures) : "");
    this.box = h("div", { class: "sfn-graphbox" }, this.zoombar, this.el);
    this.el.addEventListener("click", (e) => {
      if (this.dragged) return;
      const g = e.target instanceof Element ? e.target.closest("g.sfn-state") : null;
      if (!g || !this.el.contains(g)) return;
      const name = g.getAttribute("data-state");
      if ((e.shiftKey || e.altKey) && onToggle) onToggle(name);
      else if (e.detail < 2) onSelect(name);
    });
    this.el.addEventListener("dblclick", (e) => {
      const g = e.target instanceof Element ? e.target.closest("g.sfn-state") : null;
      if (g && this.el.contains(g) && onToggle) onToggle(g.getAttribute("data-state"));
    });
    this.el.addEventListener("keydown", (e) => {
      const g = e.target instanceof Element ? e.target.closest("g.sfn-state") : null;
      if (!g || !this.el.contains(g)) return;
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        onSelect(g.getAttribute("data-state"));
      } else if ((e.key === "b" || e.key === "F9") && onToggle) {
        e.preventDefault();
        onToggle(g.getAttribute("data-state"));
      }
    });
    // Ctrl/Cmd + wheel zooms around the pointer; a plain wheel scrolls the notebook as usual
    this.el.addEventListener("wheel", (e) => {
      if (!(e.ctrlKey || e.metaKey)) return;
      e.preventDefault();
      this.setZoom(this.zoom * (e.deltaY < 0 ? 1.15 : 1 / 1.15), e);
    }, { passive: false });
    // drag to pan: sideways inside the viewport, up and down through the notebook's own scroll
    this.dragged = false;
    this.el.addEventListener("pointerdown", (e) => {
      if (e.button !== 0) return;
      const start = { x: e.clientX, y: e.clientY, left: this.el.scrollLeft, parent: scrollParent(this.el) };
      start.top = start.parent.scrollTop;
      this.dragged = false;
      const move = (m) => {
        const dx = m.clientX - start.x, dy = m.clientY - start.y;
        if (!this.dragged && Math.abs(dx) + Math.abs(dy) < 4) return;
        this.dragged = true;
        this.el.classList.add("sfn-panning");
        this.el.scrollLeft = start.left - dx;
        start.parent.scrollTop = start.top - dy;
      };
      const up = () => {
        window.removeEventListener("pointermove", move);
        window.removeEventListener("pointerup", up);
        this.el.classList.remove("sfn-panning");
        setTimeout(() => { this.dragged = false; }, 0); // the click that ends a drag selects nothing
      };
      window.addEventListener("pointermove", move);
      window.addEventListener("pointerup", up);
    });
    if (typeof ResizeObserver !== "undefined") {
      this.resizer = new ResizeObserver(() => { if (this.auto) this.autoFit(); });
      this.resizer.observe(this.el);
    }
  }

  dispose() {
    if (this.resizer) this.resizer.disconnect();
  }

  setSvg(text) {
    this.el.replaceChildren();
    this.states.clear();
    this.members.clear();
    this.owner.clear();
    this.shown.clear();
    const svg = parseSvg(text);
    this.svg = svg;
    if (!svg) {
      this.el.append(h("div", { class: "sfn-empty" }, "(no picture)"));
      return;
    }
    const size = (v) => {
      const m = /^([\d.]+)(pt|px)?$/.exec(v || "");
      return m ? Number(m[1]) * (m[2] === "px" ? 1 : PT_TO_PX) : 0;
    };
    this.natural = { w: size(svg.getAttribute("width")), h: size(svg.getAttribute("height")) };
    this.el.append(svg);
    for (const g of svg.querySelectorAll("g.sfn-state")) {
      const name = g.getAttribute("data-state");
      this.states.set(name, g);
      this.shown.set(name, g.getAttribute("data-status") || "not_run");
      const members = parseMembers(g.getAttribute("data-members"));
      if (members) {
        this.members.set(g, members);
        for (const member of members) if (!this.owner.has(member)) this.owner.set(member, g);
      }
      g.setAttribute("tabindex", "0");
      g.setAttribute("role", "button");
      g.setAttribute("aria-label", `state ${name}`);
    }
    if (this.auto) this.autoFit();
    else this.setZoom(this.zoom);
    this.applyMarks(this.marks);
  }

  /** Zoom to `z` (clamped); with a pointer event, keep the point under the pointer in place. */
  setZoom(z, around) {
    this.auto = false;
    this._zoom(z, around);
  }

  _zoom(z, around) {
    z = Math.max(MIN_ZOOM, Math.min(MAX_ZOOM, z));
    const before = this.zoom;
    let fx = 0;
    if (around && this.svg) {
      const r = this.el.getBoundingClientRect();
      fx = around.clientX - r.left + this.el.scrollLeft;
    }
    this.zoom = z;
    if (this.svg && this.natural.w) {
      // rounded up, so the drawn scale is never below `z` (the 11 px promise holds to the pixel)
      this.svg.setAttribute("width", `${Math.ceil(this.natural.w * z * 10) / 10}px`);
      this.svg.setAttribute("height", `${Math.ceil(this.natural.h * z * 10) / 10}px`);
    }
    if (around && before) this.el.scrollLeft += fx * (z / before) - fx;
    this.level.textContent = `${Math.round(z * 100)}%`;
    this.box.setAttribute("data-zoom", String(Math.round(z * 1000) / 1000));
  }

  /** Fit the width of the box, never shrinking labels below 11 px (and never enlarging past 100%). */
  autoFit() {
    const avail = this.el.clientWidth - 10;
    if (!this.natural.w || avail <= 0) {
      this._zoom(1);
      return;
    }
    this._zoom(Math.max(READABLE_ZOOM, Math.min(1, avail / this.natural.w)));
  }

  /** Fit the whole picture in the box's width and the window's height (the user asked: labels may get small). */
  fit() {
    if (!this.natural.w) return;
    const w = Math.max(120, this.el.clientWidth - 10);
    const hgt = Math.max(200, window.innerHeight - 160);
    this.setZoom(Math.min(w / this.natural.w, hgt / this.natural.h, 2));
    this.el.scrollLeft = 0;
    this.box.scrollIntoView({ block: "nearest" });
  }

  /** Whether state `name` is drawn (on its own, or inside a collapsed node). */
  has(name) {
    return this.states.has(name) || this.owner.has(name);
  }

  /** The <g> that draws state `name` (its collapsed node, if it is folded into one). */
  groupOf(name) {
    return this.owner.get(name) || this.states.get(name) || null;
  }

  /** The names a drawn node stands for: itself, or a collapsed node's members. */
  namesOf(name, g) {
    return this.members.get(g) || [name];
  }

  /** Recolour: `status` maps state name -> status (absent: not_run). Only changed states are touched. A collapsed
   * node shows its members' most telling status (the `rank` of each style: sfnkit.history.colours). */
  applyStatus(status, styles) {
    status = status || {};
    this.styles = styles || this.styles;
    const own = (n) => (Object.prototype.hasOwnProperty.call(status, n) ? status[n] : "not_run");
    const rank = (st) => (this.styles && this.styles[st] && typeof this.styles[st].rank === "number" ? this.styles[st].rank : 0);
    for (const [name, g] of this.states) {
      let st = own(name);
      const members = this.members.get(g);
      if (members) {
        st = "not_run";
        for (const m of members) if (rank(own(m)) > rank(st)) st = own(m);
      }
      if (this.shown.get(name) === st) continue;
      this.shown.set(name, st);
      g.setAttribute("data-status", st);
      const style = styles && styles[st];
      if (!style) continue;
      for (const shape of g.querySelectorAll(":scope > .sfn-shape")) {
        shape.setAttribute("fill", style.fill);
        shape.setAttribute("stroke", style.stroke);
      }
      this.setGlyph(g, g.getAttribute("data-failing") === "true" ? "failed" : st);
    }
  }

  /** The status symbol after the type line (so a status reads without telling colours apart). */
  setGlyph(g, st) {
    const style = this.styles && this.styles[st];
    const detail = g.querySelector("text.sfn-detail");
    if (!detail) return;
    let tspan = detail.querySelector("tspan.sfn-glyph");
    if (!tspan) {
      tspan = document.createElementNS(SVG_NS, "tspan");
      tspan.setAttribute("class", "sfn-glyph");
      tspan.setAttribute("font-weight", "bold");
      detail.append(tspan);
    }
    tspan.textContent = style && style.glyph ? ` ${style.glyph}` : "";
    if (style) tspan.setAttribute("fill", style.stroke);
  }

  /** A mark drawn next to a state's shape: the breakpoint dot (top left) or the "you are here" arrow (left). */
  setMark(g, kind, on) {
    let mark = g.querySelector(`:scope > .sfn-mark-${kind}`);
    if (!on) {
      if (mark) mark.remove();
      return;
    }
    const shape = g.querySelector(":scope > .sfn-shape");
    if (!shape || typeof shape.getBBox !== "function") return;
    let box;
    try {
      box = shape.getBBox();
    } catch (e) {
      return;
    }
    if (!box.width) {
      // not laid out yet (the view is not in the page): place it on the next frame
      requestAnimationFrame(() => { if (g.isConnected) this.applyMarks(this.marks); });
      return;
    }
    if (!mark) {
      if (kind === "bp") {
        mark = document.createElementNS(SVG_NS, "circle");
        mark.setAttribute("r", "6");
      } else {
        mark = document.createElementNS(SVG_NS, "path");
      }
      mark.setAttribute("class", `sfn-mark sfn-mark-${kind}`);
      mark.setAttribute("aria-hidden", "true");
      g.append(mark);
    }
    if (kind === "bp") {
      mark.setAttribute("cx", String(box.x + 1));
      mark.setAttribute("cy", String(box.y + 1));
      mark.setAttribute("data-kind", on);
    } else {
      const x = box.x - 4, y = box.y + box.height / 2;
      mark.setAttribute("d", `M${x},${y} l-12,-8 v16 z`);
    }
  }

  /** @param {Marks} marks */
  applyMarks(marks) {
    this.marks = marks;
    const bps = marks.breakpoints || {};
    for (const [name, g] of this.states) {
      const names = this.namesOf(name, g);
      const here = (which) => (which && names.includes(which) ? "true" : null);
      toggleAttr(g, "data-selected", here(marks.selected));
      toggleAttr(g, "data-current", here(marks.current));
      const failing = here(marks.failing);
      if (g.getAttribute("data-failing") !== failing) {
        toggleAttr(g, "data-failing", failing);
        this.setGlyph(g, failing ? "failed" : this.shown.get(name) || "not_run");
      }
      let bp = null;
      for (const n of names) {
        if (!Object.prototype.hasOwnProperty.call(bps, n)) continue;
        bp = bps[n] ? "conditional" : bp || "always";
      }
      toggleAttr(g, "data-breakpoint", bp);
      this.setMark(g, "bp", bp);
      this.setMark(g, "here", here(marks.current) ? "here" : null);
    }
  }
}

/** The member names of a collapsed node (`data-members`, a JSON array of strings), or null. */
function parseMembers(text) {
  if (!text) return null;
  try {
    const names = JSON.parse(text);
    return Array.isArray(names) ? names.filter((n) => typeof n === "string") : null;
  } catch (e) {
    return null;
  }
}

function toggleAttr(el, name, value) {
  if (value === null) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
  } else if (el.getAttribute(name) !== value) {
    el.setAttribute(name, value);
  }
}

// -- GraphView ------------------------------------------------------------------------------------------------

// Shared by GraphView and the Debugger: the same picture traits (`svg`, `status`, `selected`), drawn the same way.

/** A click on a state selects it; a click on the selected state clears the selection. */
function toggleSelection(model, name) {
  model.set("selected", model.get("selected") === name ? "" : name);
  model.save_changes();
}

/** Draw the kernel's picture in `graph` now and whenever it changes; `paint` recolours it and `mark` redraws the
 * marks. Returns the handlers (for `listen`) of the `svg` and `status` traits.
 * @param {Graph} graph @param {function(): void} paint @param {function(): void} mark */
function showPicture(model, graph, paint, mark) {
  const draw = () => {
    graph.setSvg(model.get("svg"));
    paint();
    mark();
  };
  draw();
  return [["change:svg", draw], ["change:status", paint]];
}

function renderGraph({ model, el }) {
  el.classList.add("sfnkit-widget", "sfn-graphview");
  const graph = new Graph({ onSelect: (name) => toggleSelection(model, name), gestures: "Click a state: select · drag: pan · Ctrl+wheel: zoom" });
  el.append(graph.box);
  const paint = () => graph.applyStatus(model.get("status"), model.get("_styles"));
  const mark = () => graph.applyMarks({ selected: model.get("selected"), current: "", failing: "", breakpoints: {} });
  const stop = listen(model, [...showPicture(model, graph, paint, mark), ["change:selected", mark]]);
  return () => {
    stop();
    graph.dispose();
  };
}

// -- the Debugger's components --------------------------------------------------------------------------------
//
// Each part of the Debugger is a small class: its constructor takes the element it draws into and the callbacks
// it calls on a gesture, and `update(state)` redraws it from the traits it shows (the state types below).
// renderDebugger only reads the model, hands each part its state and turns the callbacks into messages.

/**
 * What the event list shows.
 * @typedef {Object} EventLogState
 * @property {Array<EventRow>} rows  the newest events (live), or those around the replay cursor
 * @property {number} current  the event highlighted: the cursor, or the newest
 * @property {boolean} replaying
 */

/** The event list under the graph: the newest events while live, those around the cursor in a replay. */
class EventLog {
  /** @param {HTMLElement} container
   * @param {{onPick: function(number, string): void}} callbacks  a row clicked: its event id and state name */
  constructor(container, { onPick }) {
    this.el = h("div", { class: "sfn-events" });
    this.onPick = onPick;
    container.append(this.el);
  }

  /** Draw `rows` (the newest events, or those around the replay cursor), `current` highlighted.
   * @param {EventLogState} state */
  update({ rows, current, replaying }) {
    const events = this.el;
    const body = h("tbody");
    let currentRow = null;
    for (const [id, type, name, t, scope, error] of rows) {
      const tr = h("tr", { class: id === current ? "sfn-current-row" : id > current ? "sfn-future-row" : "", "data-event": id },
        h("td", { class: "sfn-num" }, id),
        h("td", { class: "sfn-num" }, fmtSeconds(t)),
        h("td", { class: /Failed|TimedOut|Aborted/.test(type) ? "sfn-failtype" : "" }, type),
        h("td", {}, name),
        h("td", { class: "sfn-muted" }, scope),
        h("td", { class: "sfn-error" }, error));
      tr.addEventListener("click", () => this.onPick(id, name.replace(/\[\d+\]$/, "")));
      if (id === current) currentRow = tr;
      body.append(tr);
    }
    const table = h("table", { class: "sfn-table" },
      h("thead", {}, h("tr", {}, h("th", {}, "#"), h("th", {}, "time"), h("th", {}, "event"), h("th", {}, "state"), h("th", {}, "scope"), h("th", {}, "error"))),
      body);
    events.replaceChildren(h("div", { class: "sfn-title" }, replaying ? "Events around the cursor" : "Latest events"), table);
    if (currentRow) {
      // after layout (a new view is not in the page yet): centre the current row inside the list only,
      // never scrolling the notebook itself
      requestAnimationFrame(() => {
        if (!currentRow.isConnected || events.scrollHeight <= events.clientHeight) return;
        const offset = currentRow.getBoundingClientRect().top - events.getBoundingClientRect().top;
        events.scrollTop = Math.max(0, events.scrollTop + offset - events.clientHeight / 2);
      });
    }
  }
}

/**
 * What the inspector shows.
 * @typedef {Object} InspectorState
 * @property {(InspectorData|Object)} data  the `inspector` trait (`{}` before the first)
 * @property {string} selected  the selected state ("": none)
 * @property {number} limit  the last event shown: the replay cursor, or Infinity (now)
 * @property {boolean} replaying  a replay: say how many visits the cursor leaves out
 */

/** The inspector: every visit of the selected state with its data-flow stages, attempts and error. */
class Inspector {
  /** @param {HTMLElement} container
   * @param {{opened: Set<string>, closed: Set<string>}} remembered  visits the user opened or closed (kept per model) */
  constructor(container, remembered) {
    this.el = h("div", { class: "sfn-inspector" });
    this.opened = remembered.opened;
    this.closed = remembered.closed;
    container.append(this.el);
  }

  /** Draw the visits of the selected state, as they were at event `limit`. @param {InspectorState} state */
  update({ data, selected, limit, replaying }) {
    const inspector = this.el;
    inspector.replaceChildren();
    if (!selected) {
      inspector.append(h("div", { class: "sfn-muted" }, "Click a state to inspect its visits."));
      return;
    }
    if (data.state !== selected) {
      inspector.append(h("div", { class: "sfn-muted" }, `Loading ${selected}…`));
      return;
    }
    const visits = (data.visits || []).filter((v) => v.entered <= limit);
    const header = h("div", { class: "sfn-title" }, h("span", { class: "sfn-state-name" }, data.state), data.type ? h("span", { class: "sfn-muted" }, ` ${data.type}`) : "");
    inspector.append(header);
    let note = `${data.total} visit${data.total === 1 ? "" : "s"}`;
    if (data.matching !== data.total) note += `, ${data.matching} in the chosen iteration`;
    if ((data.visits || []).length < data.matching) note += `; showing the last ${(data.visits || []).length}`;
    if (replaying && visits.length < (data.visits || []).length) note += `; ${visits.length} by event ${limit}`;
    inspector.append(h("div", { class: "sfn-muted" }, note));
    if (!visits.length) {
      inspector.append(h("div", { class: "sfn-muted" }, "Not entered yet."));
      return;
    }
    visits.forEach((v, i) => inspector.append(this.visit(v, i === visits.length - 1, limit)));
  }
  /** One visit, folded or open as the user left it. @param {VisitRecord} v @param {boolean} newest @param {number} limit */
  visit(v, newest, limit) {
    const opened = this.opened, closed = this.closed;
    const key = `${v.entered}`;
    const ended = v.ended !== null && v.ended !== undefined && v.ended <= limit;
    const status = ended ? v.status : v.status === "running" || v.ended === null ? v.status : "running";
    const details = h("details", { class: "sfn-visit", "data-entered": v.entered });
    details.open = opened.has(key) || (newest && !closed.has(key));
    details.addEventListener("toggle", () => {
      if (details.open) {
        opened.add(key);
        closed.delete(key);
      } else {
        opened.delete(key);
        closed.add(key);
      }
    });
    details.append(
      h("summary", {}, badge(status), " ", h("span", {}, v.path), " ",
        h("span", { class: "sfn-muted" }, `#${v.entered} at ${fmtSeconds(v.at)}` + (ended && v.duration !== null ? `, took ${fmtSeconds(v.duration)}` : "") + (v.retries ? `, ${v.retries} retr${v.retries === 1 ? "y" : "ies"}` : ""))),
    );
    if (v.error && ended && (v.error.event === null || v.error.event === undefined || v.error.event <= limit)) {
      const how = v.error.outcome === "caught" ? "Caught " : v.status === "failed" ? "Failed with " : "Error ";
      details.append(h("div", { class: `sfn-errorbox sfn-errorbox-${v.error.outcome || "failed"}` }, how, h("b", {}, v.error.error || "(no error name)"), v.error.cause ? h("pre", { class: "sfn-pre" }, v.error.cause) : ""));
    }
    const table = h("table", { class: "sfn-table sfn-stages" });
    let previous = null;
    for (const [stage, text, eventId] of v.stages || []) {
      if (eventId !== null && eventId !== undefined && eventId > limit) continue;
      // a stage that changed nothing says so instead of repeating the JSON
      const cell = previous !== null && text === previous[1]
        ? h("span", { class: "sfn-same" }, `same as ${previous[0]}`)
        : h("pre", { class: "sfn-pre" }, text === null ? "" : text);
      table.append(h("tr", { "data-stage": stage }, h("th", {}, stage), h("td", {}, cell)));
      if (previous === null || text !== previous[1]) previous = [stage, text];
    }
    if (v.next && ended) table.append(h("tr", { "data-stage": "next" }, h("th", {}, "next"), h("td", {}, v.next)));
    if (v.variables && ended) table.append(h("tr", { "data-stage": "variables" }, h("th", {}, "variables"), h("td", {}, h("pre", { class: "sfn-pre" }, v.variables))));
    details.append(table);
    if (v.explain && v.explain.length && ended) {
      // sfnkit.explain: what each field did to this visit's data, in plain words (text nodes only)
      const words = h("details", { class: "sfn-explain" }, h("summary", {}, "In plain words"));
      const list = h("ol");
      for (const step of v.explain) list.append(h("li", {}, step));
      words.append(list);
      details.append(words);
    }
    const tries = (v.attempts || []).filter((a) => a.scheduled === null || a.scheduled <= limit);
    if (tries.length) {
      const body = h("tbody");
      for (const a of tries) {
        const over = a.ended !== null && a.ended !== undefined && a.ended <= limit;
        body.append(
          h("tr", { class: "sfn-attempt" },
            h("td", { class: "sfn-num" }, a.number + 1),
            h("td", {}, over ? a.status : "running"),
            h("td", {}, over && a.error ? a.error : ""),
            h("td", {}, over && a.cause ? h("span", { class: "sfn-cause-text", title: a.cause }, a.cause.length > 120 ? a.cause.slice(0, 119) + "…" : a.cause) : ""),
            h("td", { class: "sfn-num" }, over && a.backoff !== null && a.backoff !== undefined ? fmtSeconds(a.backoff) : ""),
            h("td", {}, a.sent !== null ? h("details", {}, h("summary", {}, "sent"), h("pre", { class: "sfn-pre" }, a.sent)) : "",
              over && a.result !== null ? h("details", {}, h("summary", {}, "result"), h("pre", { class: "sfn-pre" }, a.result)) : "")),
        );
      }
      details.append(
        h("div", { class: "sfn-subtitle" }, "Attempts"),
        h("table", { class: "sfn-table sfn-attempts" },
          h("thead", {}, h("tr", {}, h("th", {}, "#"), h("th", {}, "status"), h("th", {}, "error"), h("th", {}, "cause"), h("th", {}, "backoff"), h("th", {}, "data"))),
          body),
      );
    }
    return details;
  }
}

/**
 * What the toolbar shows.
 * @typedef {Object} ToolbarState
 * @property {(Info|Object)} info  the `info` trait (`{}` before the first)
 * @property {boolean} replay  a replayed history: nothing to drive, so the controls hide
 * @property {string} selected  the selected state ("": none); Run to selected and Breakpoint need one
 * @property {boolean} breakOnError
 */
/**
 * What the toolbar calls.
 * @typedef {Object} ToolbarCallbacks
 * @property {function(ActionMessage): void} onSend  a button's action for the kernel (Run to: with the selection)
 * @property {function(string): void} onToggleBreakpoint  the Breakpoint button: the selected state
 * @property {function(boolean): void} onBreakOnError  the Break on error box, checked or not
 * @property {function(): void} onTogglePanel  the Hide panel / Show panel button
 */

/** The toolbar: the run's buttons, Break on error, the execution's status and the side panel's toggle. */
class Toolbar {
  /** @param {HTMLElement} container  the widget (it shows a progress cursor while the kernel works)
   * @param {ToolbarCallbacks} callbacks */
  constructor(container, { onSend, onToggleBreakpoint, onBreakOnError, onTogglePanel }) {
    this.container = container;
    this.state = null;
    this.busyTimer = null;
    const press = (action) => {
      const selected = this.state ? this.state.selected : "";
      if (action === "toggle_breakpoint") {
        if (selected) onToggleBreakpoint(selected);
      } else onSend(action === "run_to" ? { action, name: selected } : { action });
    };
    const button = (label, action, title) =>
      h("button", { class: `sfn-btn sfn-${action}`, type: "button", title, "data-action": action, onclick: () => press(action) }, label);
    this.buttons = {
      step: button("Step", "step", "Run the next state and pause (step into Parallel branches and Map iterations)"),
      step_over: button("Step over", "step_over", "Run to the next state at this depth (step over a Parallel or Map)"),
      continue: button("Continue", "continue", "Run until a breakpoint, an error (with Break on error), a task token or the end"),
      run_to: button("Run to selected", "run_to", "Run until the selected state is about to be entered"),
      toggle_breakpoint: button("Breakpoint", "toggle_breakpoint", "Toggle a breakpoint on the selected state (or double-click / Shift-click a state, or press B on it)"),
      restart: button("Restart", "restart", "Start again from the same input, keeping the breakpoints"),
      stop: button("Stop", "stop", "Abort the execution (ABORTED)"),
    };
    this.boe = h("input", { type: "checkbox", class: "sfn-break-on-error" });
    this.boe.addEventListener("change", () => onBreakOnError(this.boe.checked));
    const boeLabel = h("label", { class: "sfn-check", title: "Pause when a state fails, before Retry or Catch handle it" }, this.boe, " Break on error");
    this.status = h("span", { class: "sfn-exec-status" });
    this.controls = h("div", { class: "sfn-controls" }, Object.values(this.buttons), boeLabel);
    // the side panel can be folded away, giving the graph the whole width (remembered per widget)
    this.panelToggle = h("button", { type: "button", class: "sfn-btn sfn-panel-toggle", "aria-expanded": "true", onclick: onTogglePanel }, "Hide panel");
    this.el = h("div", { class: "sfn-toolbar" }, this.controls, this.status, this.panelToggle);
    container.append(this.el);
  }

  /** @param {ToolbarState} state */
  update(state) {
    this.state = state;
    const info = state.info;
    this.controls.hidden = state.replay;
    const done = !!info.done;
    for (const [action, b] of Object.entries(this.buttons)) {
      let enabled = !done;
      if (action === "restart") enabled = true;
      if (action === "run_to" || action === "toggle_breakpoint") enabled = !!state.selected && (action === "toggle_breakpoint" || !done);
      b.disabled = !enabled;
    }
    this.boe.checked = state.breakOnError;
    this.status.replaceChildren(info.status ? h("span", { class: `sfn-exec sfn-exec-${String(info.status).toLowerCase()}` }, info.status) : "");
  }

  /** Every button off while the kernel works on an action. It answers each with a new `info` (then
   * `setBusy(false)`); should it not (kernel restarted), the buttons unlock after 30 s anyway.
   * @param {boolean} busy */
  setBusy(busy) {
    this.container.classList.toggle("sfn-busy", busy);
    clearTimeout(this.busyTimer);
    if (busy) {
      for (const b of Object.values(this.buttons)) b.disabled = true;
      this.busyTimer = setTimeout(() => this.setBusy(false), 30000);
    } else if (this.state) this.update(this.state);
  }

  /** The panel toggle's label. @param {boolean} open  whether the side panel is open */
  showPanel(open) {
    this.panelToggle.textContent = open ? "Hide panel" : "Show panel";
    this.panelToggle.setAttribute("aria-expanded", String(open));
  }

  dispose() {
    clearTimeout(this.busyTimer);
  }
}

/**
 * What the status line and the paused position show.
 * @typedef {Object} RunState
 * @property {(Info|Object)} info  the `info` trait (`{}` before the first)
 * @property {boolean} live  a live execution (mode "live"), not a replayed history
 */

/** Above the graph: the banner (why the run paused or how it ended), the kernel's message about the last action
 * and the one-line summary. */
class StatusLine {
  /** @param {HTMLElement} container @param {{onSelect: function(string): void}} callbacks  a state's name clicked */
  constructor(container, { onSelect }) {
    this.onSelect = onSelect;
    this.banner = h("div", { class: "sfn-banner", role: "status" });
    this.message = h("div", { class: "sfn-message", role: "alert" });
    this.summary = h("div", { class: "sfn-summary" });
    container.append(this.banner, this.message, this.summary);
  }

  /** @param {RunState} state */
  update({ info, live }) {
    this.drawBanner(info, live);
    this.summary.textContent = info.summary || "";
  }

  /** The kernel's word on the last action (an error, usually); "" hides it. @param {string} text */
  showMessage(text) {
    this.message.textContent = text || "";
    this.message.hidden = !text;
  }

  /** Where the run stands, in one line: what paused it, and for an error its name and cause.
   * @param {Info|Object} info @param {boolean} live */
  drawBanner(info, live) {
    const banner = this.banner;
    const pos = info.position;
    banner.replaceChildren();
    banner.className = "sfn-banner";
    const stateLink = (name) => h("button", { type: "button", class: "sfn-link sfn-banner-state", onclick: () => this.onSelect(name) }, name);
    const icon = (glyph) => h("span", { class: "sfn-banner-icon", "aria-hidden": "true" }, glyph);
    const cause = (text) => h("span", { class: "sfn-banner-cause" }, ` — ${text.length > 300 ? text.slice(0, 299) + "…" : text}`);
    if (live && pos && !info.done) {
      const where = pos.scope ? h("span", { class: "sfn-muted" }, ` in ${pos.scope}`) : "";
      if (pos.reason === "error") {
        const pe = info.pause_error || {};
        banner.classList.add("sfn-banner-error");
        banner.append(icon("✕"), " Paused on an error in ", stateLink(pos.state), where, ": ",
          h("b", { class: "sfn-banner-errorname" }, pe.error || "(no error name)"),
          pe.cause ? cause(pe.cause) : "",
          h("span", { class: "sfn-muted" }, pe.next ? `. Continue: ${pe.next}.` : ". Continue lets Retry or Catch handle it."));
      } else if (pos.reason === "breakpoint") {
        banner.classList.add("sfn-banner-breakpoint");
        banner.append(icon("●"), " Paused at the breakpoint before ", stateLink(pos.state), where);
      } else {
        banner.classList.add("sfn-banner-step");
        banner.append(icon("▶"), ` Paused before `, stateLink(pos.state), where,
          pos.reason === "until" ? h("span", { class: "sfn-muted" }, " (run to)") : "");
      }
    } else if (info.done && (info.status === "FAILED" || info.status === "TIMED_OUT" || info.status === "ABORTED")) {
      banner.classList.add("sfn-banner-error");
      banner.append(icon("✕"), ` ${info.status}`,
        ...(info.error ? [": ", h("b", { class: "sfn-banner-errorname" }, info.error)] : []), // append() does not flatten
        info.cause ? cause(info.cause) : "");
    }
    banner.hidden = !banner.childNodes.length;
  }
}

/** A finished history as the replay scrubs it, in the browser with no message to the kernel per step: its
 * events, its colour changes and the cursor (the last event shown). Data only, no DOM. */
class Timeline {
  constructor() {
    /** @type {Array<EventRow>} the events, each type unpacked from the `timeline` trait's `types` */
    this.events = [];
    /** @type {Array<StatusChange>} */
    this.changes = [];
    this.changeIds = []; // the event ids where a colour changes, ascending
    this.cursor = 0; // the event shown (0 = the end)
  }

  /** @param {(PackedRows|Object)} packed  the `timeline` trait @param {Array<StatusChange>} changes
   * @param {number} cursor  the `cursor` trait */
  load(packed, changes, cursor) {
    const types = packed.types || [];
    this.events = (packed.events || []).map(([id, t, ...rest]) => [id, types[t], ...rest]);
    this.setChanges(changes, cursor);
  }

  /** @param {Array<StatusChange>} changes @param {number} cursor */
  setChanges(changes, cursor) {
    this.changes = changes;
    this.changeIds = [...new Set(changes.map((c) => c[0]))];
    if (this.has()) this.cursor = cursor;
  }

  /** Whether there is a history to replay (a live execution has none). */
  has() {
    return this.events.length > 0;
  }

  firstId() {
    return this.has() ? this.events[0][0] : 0;
  }

  lastId() {
    return this.has() ? this.events[this.events.length - 1][0] : 0;
  }

  /** The last event shown: the cursor, or everything (Infinity) while live. */
  at() {
    if (!this.has()) return Infinity;
    return this.cursor > 0 ? Math.min(this.cursor, this.lastId()) : this.lastId();
  }

  /** Move the cursor to event `id`, kept inside the history. @param {number} id */
  seek(id) {
    this.cursor = Math.max(1, Math.min(id, this.lastId()));
  }

  /** The next event after the cursor where a colour changes (or the last event). */
  nextChange() {
    const c = this.at();
    for (const id of this.changeIds) if (id > c) return id;
    return this.lastId();
  }

  /** The last event before the cursor where a colour changes (or the first event). */
  prevChange() {
    const c = this.at();
    let best = 1;
    for (const id of this.changeIds) {
      if (id >= c) break;
      best = id;
    }
    return best;
  }

  /** Each state's status after event `id`. @param {number} id @returns {Object<string, string>} */
  statusAt(id) {
    /** @type {Object<string, string>} */
    const out = {};
    for (const [eid, name, status] of this.changes) {
      if (eid > id) break;
      out[name] = status;
    }
    return out;
  }

  /** The event with id `id`, or null. @param {number} id @returns {(EventRow|null)} */
  find(id) {
    const rows = this.events;
    let lo = 0, hi = rows.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (rows[mid][0] === id) return rows[mid];
      if (rows[mid][0] < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return null;
  }

  /** The events around event `id` (12 before, 12 after) for the event list. @param {number} id */
  around(id) {
    const rows = this.events;
    let lo = 0, hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (rows[mid][0] <= id) lo = mid + 1;
      else hi = mid;
    }
    const at = Math.max(0, lo - 1);
    return rows.slice(Math.max(0, at - 12), at + 13);
  }
}

/** The replay bar above the graph: first / previous change / slider / next change / last, and where it is. */
class ReplayBar {
  /** @param {HTMLElement} container
   * @param {{onSeek: function(number): void}} callbacks  the user moved the cursor: the event id to show */
  constructor(container, { onSeek }) {
    this.timeline = new Timeline();
    this.slider = h("input", { type: "range", class: "sfn-slider", min: "1", max: "1", value: "1", "aria-label": "event" });
    this.slider.addEventListener("input", () => onSeek(Number(this.slider.value)));
    this.text = h("span", { class: "sfn-cursor-text" });
    const button = (label, cls, title, to) => h("button", { type: "button", class: `sfn-btn ${cls}`, title, onclick: () => onSeek(to()) }, label);
    this.el = h("div", { class: "sfn-replay" },
      button("|◀", "sfn-first", "First event", () => 1),
      button("◀", "sfn-prev", "Previous change of colour", () => this.timeline.prevChange()),
      this.slider,
      button("▶", "sfn-next", "Next change of colour", () => this.timeline.nextChange()),
      button("▶|", "sfn-last", "Last event", () => this.timeline.lastId()),
      this.text);
    container.append(this.el);
  }

  /** Show the cursor of `timeline` (the bar hides without a history to replay). @param {Timeline} timeline */
  update(timeline) {
    this.timeline = timeline;
    this.el.hidden = !timeline.has();
    if (!timeline.has()) return;
    const id = timeline.at();
    this.slider.min = String(timeline.firstId());
    this.slider.max = String(timeline.lastId());
    this.slider.value = String(id);
    const row = timeline.find(id);
    this.text.textContent = `event ${id} of ${timeline.lastId()}` + (row ? ` · ${row[1]}${row[2] ? " " + row[2] : ""}` : "");
  }
}

/**
 * What the iteration picker shows.
 * @typedef {Object} IterationState
 * @property {Object<string, number>} maps  the `maps` trait: Map state name -> iterations started
 * @property {Object<string, number>} iteration  the `iteration` trait: Map state name -> the iteration shown
 */

/** The side panel's Map iterations: a number box per Map state ("all" when empty) and an All button. */
class IterationPicker {
  /** @param {HTMLElement} container
   * @param {{onChoose: function(Object<string, number>): void}} callbacks  the new `iteration` (every Map's choice) */
  constructor(container, { onChoose }) {
    this.onChoose = onChoose;
    this.el = h("div", { class: "sfn-maps" });
    container.append(this.el);
  }

  /** @param {IterationState} state */
  update({ maps, iteration }) {
    this.el.replaceChildren();
    const names = Object.keys(maps);
    if (!names.length) return;
    this.el.append(h("div", { class: "sfn-title" }, "Map iterations"));
    for (const name of names) {
      const n = maps[name];
      const input = h("input", { type: "number", min: "0", max: String(Math.max(0, n - 1)), step: "1", class: "sfn-iteration", "data-map": name, placeholder: "all", "aria-label": `iteration of ${name}` });
      if (Object.prototype.hasOwnProperty.call(iteration, name)) input.value = String(iteration[name]);
      const apply = () => {
        const next = { ...iteration };
        const v = input.value.trim();
        if (v === "") delete next[name];
        else {
          const i = Math.max(0, Math.min(n - 1, Math.floor(Number(v))));
          if (!Number.isFinite(i)) return;
          next[name] = i;
        }
        this.onChoose(next);
      };
      input.addEventListener("change", apply);
      this.el.append(
        h("div", { class: "sfn-row" },
          h("span", {}, `${name}: `), input, h("span", { class: "sfn-muted" }, ` of ${n}`),
          h("button", { type: "button", class: "sfn-btn sfn-all", onclick: () => { input.value = ""; apply(); } }, "All")),
      );
    }
  }
}

/** The side panel's top: where a paused execution stands (a link to the state, and why), and the run's note. */
class PausePosition {
  /** @param {HTMLElement} container @param {{onSelect: function(string): void}} callbacks  the state's name clicked */
  constructor(container, { onSelect }) {
    this.onSelect = onSelect;
    this.el = h("div", { class: "sfn-position" });
    container.append(this.el);
  }

  /** @param {RunState} state */
  update({ info, live }) {
    const pos = info.position;
    this.el.replaceChildren();
    if (pos && !info.done && live) {
      const why = { step: "stepped", breakpoint: "breakpoint", until: "run to", error: "error" }[pos.reason] || pos.reason || "";
      this.el.append(
        h("div", { class: `sfn-paused sfn-paused-${pos.reason || "step"}` },
          pos.reason === "error" ? "Paused: " : "Paused before ",
          h("button", { type: "button", class: "sfn-link", onclick: () => this.onSelect(pos.state) }, pos.state),
          pos.reason === "error" ? " failed" : "",
          pos.scope ? h("span", { class: "sfn-muted" }, ` in ${pos.scope}`) : "",
          why ? h("span", { class: "sfn-reason" }, why) : ""),
      );
    }
    if (info.note) this.el.append(h("div", { class: "sfn-note" }, info.note));
  }
}

/**
 * What the task-token form shows.
 * @typedef {Object} PendingState
 * @property {Array<PendingTask>} pending  the `pending` trait
 * @property {boolean} replay  a replayed history: nothing to answer
 */

/** The side panel's task tokens: for each, its state, and a form that sends a success (JSON) or a failure. */
class PendingTokens {
  /** @param {HTMLElement} container
   * @param {{onSelect: function(string): void, onSend: function(ActionMessage): void}} callbacks
   *   a state's name clicked; an answer (`send_success` or `send_failure`) to send to the kernel */
  constructor(container, { onSelect, onSend }) {
    this.onSelect = onSelect;
    this.onSend = onSend;
    this.el = h("div", { class: "sfn-pending" });
    container.append(this.el);
  }

  /** @param {PendingState} state */
  update({ pending, replay }) {
    this.el.replaceChildren();
    if (!pending.length || replay) return;
    this.el.append(h("div", { class: "sfn-title" }, "Waiting for a task token"));
    for (const item of pending) {
      const output = h("textarea", { class: "sfn-json", rows: "3", spellcheck: "false", "aria-label": "output JSON" });
      output.value = "{}";
      const error = h("input", { type: "text", class: "sfn-error-name", placeholder: "error", "aria-label": "error" });
      const cause = h("input", { type: "text", class: "sfn-cause", placeholder: "cause", "aria-label": "cause" });
      this.el.append(
        h("div", { class: "sfn-token" },
          h("div", {}, h("button", { type: "button", class: "sfn-link", onclick: () => item.state && this.onSelect(item.state) }, item.path || item.state || "(unknown state)"),
            h("span", { class: "sfn-muted" }, ` ${item.resource || ""}`)),
          h("div", { class: "sfn-muted sfn-tokentext", title: item.token }, `token ${item.token}`),
          output,
          h("div", { class: "sfn-row" },
            h("button", { type: "button", class: "sfn-btn sfn-send-success", onclick: () => this.onSend({ action: "send_success", token: item.token, output: output.value }) }, "Send success"),
            error, cause,
            h("button", { type: "button", class: "sfn-btn sfn-send-failure", onclick: () => this.onSend({ action: "send_failure", token: item.token, error: error.value, cause: cause.value }) }, "Send failure"))),
      );
    }
  }
}

/**
 * What the breakpoint list shows.
 * @typedef {Object} BreakpointState
 * @property {Object<string, string>} breakpoints  the `_breakpoints` trait: state name -> its condition ("": always)
 * @property {boolean} replay  a replayed history: no breakpoints
 */

/** The side panel's breakpoints: each state's name (a link), its condition, and × to remove it. */
class BreakpointList {
  /** @param {HTMLElement} container
   * @param {{onSelect: function(string): void, onToggle: function(string): void}} callbacks  a name clicked; × clicked */
  constructor(container, { onSelect, onToggle }) {
    this.onSelect = onSelect;
    this.onToggle = onToggle;
    this.el = h("div", { class: "sfn-breakpoints" });
    container.append(this.el);
  }

  /** @param {BreakpointState} state */
  update({ breakpoints, replay }) {
    const names = Object.keys(breakpoints);
    this.el.replaceChildren();
    if (replay) return;
    this.el.append(h("div", { class: "sfn-title" }, "Breakpoints"));
    if (!names.length) {
      this.el.append(h("div", { class: "sfn-muted" }, "None. Double-click a state (or Shift-click it, or select it and press Breakpoint or B)."));
    }
    for (const name of names) {
      const condition = breakpoints[name];
      this.el.append(
        h("div", { class: "sfn-bp", "data-name": name },
          h("span", { class: condition ? "sfn-bp-dot sfn-bp-conditional" : "sfn-bp-dot" }, "●"),
          " ",
          h("button", { type: "button", class: "sfn-link", onclick: () => this.onSelect(name) }, name),
          condition ? h("code", { class: "sfn-cond" }, ` if ${condition}`) : "",
          " ",
          h("button", { type: "button", class: "sfn-x", title: "Remove", onclick: () => this.onToggle(name) }, "×")),
      );
    }
  }
}

/**
 * What a view remembers beyond the model, kept per model (see VIEW_STATE).
 * @typedef {Object} RememberedView
 * @property {Set<string>} opened  the visits the user opened (by the event that entered them)
 * @property {Set<string>} closed  the visits the user closed
 * @property {number} sideTop  the side panel's scroll
 * @property {number} graphLeft  the graph's sideways scroll
 * @property {boolean} panelOpen
 */
/**
 * What the side panel's parts call.
 * @typedef {Object} SidePanelCallbacks
 * @property {function(string): void} onSelect  a state's name clicked (position, token, breakpoint)
 * @property {function(string): void} onToggleBreakpoint  a breakpoint's ×
 * @property {function(ActionMessage): void} onSend  a task token answered
 * @property {function(Object<string, number>): void} onChoose  the Map iterations chosen
 */

/** The panel beside the graph, top to bottom: the paused position, task tokens, Map iterations, the inspector
 * and the breakpoints. Each part is drawn through its own `update`; the panel itself folds away and keeps its
 * scroll. */
class SidePanel {
  /** @param {HTMLElement} container  the row it shares with the graph @param {RememberedView} remembered
   * @param {SidePanelCallbacks} callbacks */
  constructor(container, remembered, { onSelect, onToggleBreakpoint, onSend, onChoose }) {
    this.container = container;
    this.remembered = remembered;
    this.el = h("div", { class: "sfn-side" });
    container.append(this.el);
    this.position = new PausePosition(this.el, { onSelect });
    this.pending = new PendingTokens(this.el, { onSelect, onSend });
    this.iterations = new IterationPicker(this.el, { onChoose });
    this.inspector = new Inspector(this.el, remembered);
    this.breakpoints = new BreakpointList(this.el, { onSelect, onToggle: onToggleBreakpoint });
    this.el.addEventListener("scroll", () => { remembered.sideTop = this.el.scrollTop; }, { passive: true });
  }

  /** Open the panel, or fold it away so the graph takes the whole row. @param {boolean} open */
  setOpen(open) {
    this.remembered.panelOpen = open;
    this.el.hidden = !open;
    this.container.classList.toggle("sfn-panel-closed", !open);
  }

  /** Scroll back to where the user left it (a new view of the same model). */
  restoreScroll() {
    this.el.scrollTop = this.remembered.sideTop;
  }
}

// -- Debugger -------------------------------------------------------------------------------------------------

// What a view remembers beyond the model (opened visits, scroll positions), kept per model: the output is drawn
// again when the kernel refreshes its static fallback at a checkpoint, and the new view picks up from here.
/** @type {WeakMap<Object, RememberedView>} */
const VIEW_STATE = new WeakMap();

/** The graph's marks for the Debugger: the selection, the breakpoints and, while a live run is paused, where
 * (a state paused on its error is drawn as failed, with ✕). @param {(Info|Object)} info @param {string} mode
 * @param {string} selected @param {Object<string, string>} breakpoints @returns {Marks} */
function debuggerMarks(info, mode, selected, breakpoints) {
  const pos = mode === "live" && !info.done && info.position ? info.position : null;
  return {
    selected,
    current: pos ? pos.state : "",
    failing: pos && pos.reason === "error" ? pos.state : "",
    breakpoints,
  };
}

function renderDebugger({ model, el }) {
  el.classList.add("sfnkit-widget", "sfn-debugger");
  if (!VIEW_STATE.has(model)) VIEW_STATE.set(model, { opened: new Set(), closed: new Set(), sideTop: 0, graphLeft: 0, panelOpen: true });
  const remembered = VIEW_STATE.get(model);
  const timeline = new Timeline();
  let cursorTimer = null;
  const info = () => model.get("info") || {};
  const replay = () => model.get("mode") === "replay";

  // -- gestures -> messages --
  /** @param {ActionMessage} content */
  const send = (content) => {
    toolbar.setBusy(true);
    model.send(content);
  };
  const select = (name) => toggleSelection(model, name);
  const toggleBreakpoint = (name) => {
    if (!replay()) send({ action: "toggle_breakpoint", name });
  };
  const save = (trait) => (value) => {
    model.set(trait, value);
    model.save_changes();
  };
  // the user moved the cursor: shown at once; the kernel only records where it is, once the moves stop
  const seek = (id) => {
    timeline.seek(id);
    drawCursor();
    clearTimeout(cursorTimer);
    cursorTimer = setTimeout(() => save("cursor")(timeline.cursor), 150);
  };
  const setPanel = (open) => {
    side.setOpen(open);
    toolbar.showPanel(open);
    if (graph.auto) requestAnimationFrame(() => graph.autoFit());
  };

  // -- the parts, top to bottom --
  const toolbar = new Toolbar(el, { onSend: send, onToggleBreakpoint: toggleBreakpoint, onBreakOnError: save("break_on_error"), onTogglePanel: () => setPanel(!remembered.panelOpen) });
  const statusLine = new StatusLine(el, { onSelect: select });
  const replayBar = new ReplayBar(el, { onSeek: seek });
  const graph = new Graph({ onSelect: select, onToggle: toggleBreakpoint, gestures: GESTURES });
  const main = el.appendChild(h("div", { class: "sfn-main" }, graph.box)); // the graph, the side panel beside it
  const side = new SidePanel(main, remembered, { onSelect: select, onToggleBreakpoint: toggleBreakpoint, onSend: send, onChoose: save("iteration") });
  const eventLog = new EventLog(el, { onPick: (id, name) => { if (timeline.has()) seek(id); if (name && graph.has(name)) select(name); } });
  setPanel(remembered.panelOpen);

  // -- the model -> each part's state --
  const paint = () => graph.applyStatus(timeline.has() ? timeline.statusAt(timeline.at()) : model.get("status"), model.get("_styles"));
  const mark = () => graph.applyMarks(debuggerMarks(info(), model.get("mode"), model.get("selected"), model.get("_breakpoints") || {}));
  const drawControls = () => toolbar.update({ info: info(), replay: replay(), selected: model.get("selected"), breakOnError: !!model.get("break_on_error") });
  const drawMessage = () => statusLine.showMessage(model.get("message"));
  const drawSummary = () => {
    const state = { info: info(), live: model.get("mode") === "live" };
    statusLine.update(state);
    side.position.update(state);
  };
  const drawEvents = () => {
    const rows = timeline.has() ? timeline.around(timeline.at()) : model.get("events") || [];
    const current = timeline.has() ? timeline.at() : rows.length ? rows[rows.length - 1][0] : -1;
    eventLog.update({ rows, current, replaying: timeline.has() });
  };
  const drawPending = () => side.pending.update({ pending: model.get("pending") || [], replay: replay() });
  const drawBreakpoints = () => side.breakpoints.update({ breakpoints: model.get("_breakpoints") || {}, replay: replay() });
  const drawMaps = () => side.iterations.update({ maps: model.get("maps") || {}, iteration: model.get("iteration") || {} });
  const drawInspector = () => side.inspector.update({ data: model.get("inspector") || {}, selected: model.get("selected"), limit: timeline.at(), replaying: timeline.has() });
  // the replay cursor moved (or the history came): the bar, the colours, the events and the visits follow it
  function drawCursor() { replayBar.update(timeline); paint(); drawEvents(); drawInspector(); }
  const drawTimeline = () => {
    timeline.load(model.get("timeline") || {}, model.get("changes") || [], model.get("cursor") || 0);
    drawCursor();
  };
  const drawChanges = () => {
    timeline.setChanges(model.get("changes") || [], model.get("cursor") || 0);
    drawCursor();
  };

  // -- first draw and updates --
  const pictureHandlers = showPicture(model, graph, paint, mark);
  for (const draw of [drawTimeline, drawControls, drawMessage, drawSummary, drawPending, drawBreakpoints, drawMaps]) draw();
  const stopListening = listen(model, [
    ...pictureHandlers,
    ["change:selected", () => { mark(); drawControls(); drawInspector(); }],
    ["change:_breakpoints", () => { mark(); drawBreakpoints(); }],
    ["change:break_on_error", drawControls],
    ["change:info", () => { toolbar.setBusy(false); drawControls(); drawSummary(); mark(); }],
    ["change:message", drawMessage],
    ["change:pending", drawPending],
    ["change:events", drawEvents],
    ["change:timeline", drawTimeline],
    ["change:changes", drawChanges],
    ["change:inspector", drawInspector],
    ["change:cursor", () => { if ((model.get("cursor") || 0) !== timeline.cursor) { timeline.cursor = model.get("cursor") || 0; drawCursor(); } }],
    ["change:maps", drawMaps],
    ["change:iteration", drawMaps],
    ["change:mode", () => { drawControls(); drawBreakpoints(); drawPending(); }],
  ]);
  requestAnimationFrame(() => {
    side.restoreScroll();
    graph.el.scrollLeft = remembered.graphLeft;
  });
  graph.el.addEventListener("scroll", () => { remembered.graphLeft = graph.el.scrollLeft; }, { passive: true });
  return () => {
    clearTimeout(cursorTimer);
    toolbar.dispose();
    stopListening();
    graph.dispose();
  };
}

export default {
  render({ model, el }) {
    return model.get("_view") === "debugger" ? renderDebugger({ model, el }) : renderGraph({ model, el });
  },
};
