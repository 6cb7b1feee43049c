// sfnkit DataFlow playground: edit a state's data-flow fields, its input and the task result; the kernel
// recomputes every stage (sfnkit.runtime.teststate) and sends them back in `stages`. Everything from the
// definition or the data is written with textContent, never as HTML.
function h(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function editor(label, value, onEdit, hint) {
  const box = h("label", "sfnkit-df-editor");
  box.appendChild(h("span", "sfnkit-df-label", label));
  if (hint) box.appendChild(h("span", "sfnkit-df-hint", hint));
  const ta = h("textarea", "sfnkit-df-text");
  ta.value = value;
  ta.spellcheck = false;
  ta.rows = Math.min(8, Math.max(1, value.split("\n").length));
  ta.dataset.field = label;
  let timer = null;
  ta.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => onEdit(ta.value), 250);
  });
  box.appendChild(ta);
  return box;
}

function render({ model, el }) {
  el.classList.add("sfnkit-dataflow");
  const head = h("div", "sfnkit-df-head");
  const left = h("div", "sfnkit-df-editors");
  const right = h("ol", "sfnkit-df-stages");
  const msg = h("div", "sfnkit-df-message");
  const body = h("div", "sfnkit-df-body");
  body.append(left, right);
  el.append(head, msg, body);

  const drawHead = () => {
    head.textContent = "";
    head.appendChild(h("b", "", model.get("state_name")));
    head.appendChild(h("span", "sfnkit-df-meta", ` ${model.get("state_type")} · ${model.get("query_language")} · `));
    const st = h("span", "sfnkit-df-status", model.get("status"));
    st.dataset.status = model.get("status");
    head.appendChild(st);
  };
  const drawEditors = () => {
    left.textContent = "";
    left.appendChild(editor("input", model.get("input_text"), (v) => {
      model.set("input_text", v);
      model.save_changes();
    }, "the state input (JSON)"));
    const fields = model.get("fields");
    for (const name of model.get("editable")) {
      left.appendChild(editor(name, fields[name] ?? "", (v) => {
        const next = { ...model.get("fields") };
        next[name] = v;
        model.set("fields", next);
        model.save_changes();
      }, model.get("hints")[name] || ""));
    }
    if (model.get("has_result")) {
      left.appendChild(editor("task result", model.get("result_text"), (v) => {
        model.set("result_text", v);
        model.save_changes();
      }, "what the task returns (JSON)"));
    }
  };
  const drawStages = () => {
    right.textContent = "";
    for (const s of model.get("stages")) {
      const li = h("li", "sfnkit-df-stage");
      li.dataset.stage = s.name;
      li.dataset.status = s.status;
      const top = h("div", "sfnkit-df-stage-head");
      top.appendChild(h("b", "", s.name));
      if (s.field) top.appendChild(h("span", "sfnkit-df-field", ` ← ${s.field}${s.expression ? ": " + s.expression : ""}`));
      li.appendChild(top);
      if (s.status === "ok") li.appendChild(h("pre", "sfnkit-df-value", s.value));
      else if (s.status === "failed") {
        li.appendChild(h("div", "sfnkit-df-error", s.error || ""));
        li.appendChild(h("pre", "sfnkit-df-cause", s.cause || ""));
      } else li.appendChild(h("div", "sfnkit-df-note", s.status === "absent" ? "(no such field on this state)" : "(not reached)"));
      right.appendChild(li);
    }
  };
  const drawMessage = () => { msg.textContent = model.get("message"); };
  drawHead(); drawEditors(); drawStages(); drawMessage();
  model.on("change:stages", () => { drawStages(); drawHead(); });
  model.on("change:status", drawHead);
  model.on("change:message", drawMessage);
  model.on("change:editable", drawEditors);
  // an edit made from Python (flow.set(...), flow.input = ...) shows in the boxes, except in the one being typed in
  const syncText = () => {
    const fields = model.get("fields");
    for (const ta of left.querySelectorAll("textarea")) {
      if (ta === document.activeElement) continue;
      const name = ta.dataset.field;
      const value = name === "input" ? model.get("input_text")
        : name === "task result" ? model.get("result_text") : (fields[name] ?? "");
      if (ta.value !== value) ta.value = value;
    }
  };
  model.on("change:fields", syncText);
  model.on("change:input_text", syncText);
  model.on("change:result_text", syncText);
}

export default { render };
