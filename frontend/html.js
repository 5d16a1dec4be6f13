// A tiny HTML template: values are escaped unless they are themselves templates,
// so text from the API can never become markup.

class Markup {
  constructor(text) {
    this.text = text;
  }

  toString() {
    return this.text;
  }
}

const ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escape(value) {
  return String(value).replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

function piece(value) {
  if (value instanceof Markup) return value.text;
  if (Array.isArray(value)) return value.map(piece).join("");
  if (value === null || value === undefined || value === false) return "";
  return escape(value);
}

/** html`<p>${text}</p>`: a template whose interpolations are escaped. */
export function html(strings, ...values) {
  let text = strings[0];
  values.forEach((value, i) => {
    text += piece(value) + strings[i + 1];
  });
  return new Markup(text);
}

/**
 * Replace the content of `element`, keeping keyboard focus on the control with the same
 * `data-focus-key` (re-rendering must never throw a keyboard user back to the top).
 */
export function render(element, markup) {
  const active = document.activeElement;
  const key = active && element.contains(active) ? active.dataset.focusKey : undefined;
  element.innerHTML = piece(markup);
  if (key) {
    const again = element.querySelector(`[data-focus-key="${CSS.escape(key)}"]`);
    if (again) again.focus();
  }
}
