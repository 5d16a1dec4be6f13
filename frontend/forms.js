// Form pieces shared by the account pages (sign in, sign up, a password link): a labelled field with room for its
// own error, the values kept across a redraw (switching the language re-renders the labels),
// and errors shown next to the field they are about.

import { account, me } from "./account.js";
import { html, render } from "./html.js";
import { has, t } from "./i18n.js";

/**
 * A labelled input. `id` is the form's prefix + the field's name; the error paragraph under
 * it is what `showErrors` fills, and the input points at it with aria-describedby.
 */
export function field(form, name, label, { type = "text", hint = "", attrs = "" } = {}) {
  const id = `${form}-${name}`;
  const described = [hint ? `${id}-hint` : "", `${id}-error`].filter(Boolean).join(" ");
  return html`<div class="form-field" data-field="${name}">
    <label for="${id}">${label}</label>
    <input id="${id}" name="${name}" type="${type}" data-focus-key="${id}"
      aria-describedby="${described}" ${attrs}>
    ${hint ? html`<p class="form-hint" id="${id}-hint">${hint}</p>` : ""}
    <p class="field-error" id="${id}-error" data-error-for="${name}" hidden></p>
  </div>`;
}

/** The form's values by name: text trimmed, passwords as typed. */
export function valuesOf(form) {
  const values = {};
  for (const element of form.elements) {
    if (!element.name) continue;
    values[element.name] = element.type === "password" ? element.value : element.value.trim();
  }
  return values;
}

/** Put values back after a redraw. */
export function restore(form, values) {
  for (const [name, value] of Object.entries(values)) {
    const element = form.elements.namedItem(name);
    if (element && "value" in element) element.value = value;
  }
}

/**
 * Show `errors` ({field name: message}) next to their fields and mark those fields invalid;
 * every other field is cleared. Answers the first field with an error (to move focus to).
 */
export function showErrors(form, errors) {
  let first = null;
  for (const box of form.querySelectorAll("[data-error-for]")) {
    const name = box.dataset.errorFor;
    const message = errors[name] || "";
    box.textContent = message;
    box.hidden = !message;
    const input = form.elements.namedItem(name);
    if (input) input.setAttribute("aria-invalid", String(Boolean(message)));
    if (message && !first) first = input;
  }
  return first;
}

/** "password: String should have…" reads as "String should have…" next to the password. */
export function withoutField(message, name) {
  const prefix = `${name}: `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}

/**
 * The API's refusal (an ApiError) in the page's own words, chosen by what it is about and its
 * code: `<prefix>.error.<field>.<code>`, else `<prefix>.error.<code>`, else the server's message
 * (without its "field: ").
 */
export function refusalText(error, prefix) {
  const field = error.field || "";
  if (field && has(`${prefix}.error.${field}.${error.code}`)) return t(`${prefix}.error.${field}.${error.code}`);
  if (has(`${prefix}.error.${error.code}`)) return t(`${prefix}.error.${error.code}`);
  return field ? withoutField(error.message, field) : error.message;
}

/** Mark the submit button busy (not disabled: disabling would throw keyboard focus away). */
export function setBusy(form, busy, label) {
  const button = form.querySelector('[type="submit"]');
  form.setAttribute("aria-busy", String(busy));
  if (!button) return;
  button.setAttribute("aria-disabled", String(busy));
  button.textContent = label;
}

const prefilled = {}; // form name -> values it starts with the next time it is drawn

/** Values a form starts with the next time it is drawn (the invite page hands the invited
 * address to the sign-in and sign-up forms it opens). */
export function prefill(formName, values) {
  prefilled[formName] = values;
}

/**
 * What the sign-in and sign-up pages share: a form whose values survive a redraw, checked
 * here first (in the page's language), then sent; the API's refusal is shown next to the
 * field it names, or above the button. Success fires `pv-signed-in` (bubbling), on which
 * <pv-app> returns to the page the form was opened from.
 *
 * A subclass gives `formName` ("signin"), `title()`, `intro()`, `fields()` and `switchLink()`
 * (markup), `check(values)` ({field: message}), `send(values)` (a promise of the signed-in
 * person), `refusal(error)` ({errors, problem}), `submitLabel()` and `busyLabel()`, and may
 * give `summary()` (said above the button when a field is marked).
 */
export class FormPage extends HTMLElement {
  connectedCallback() {
    this.busy = false;
    this.errors = {};
    this.problem = null;
    this.addEventListener("submit", (event) => this.onSubmit(event));
    this.addEventListener("click", (event) => {
      if (event.target.closest("[data-continue]")) this.done();
    });
    account.addEventListener("change", () => {
      if (!this.hidden) this.draw();
    });
  }

  /**
   * Shown, or the URL changed (another language). `opened`: the person just came here, so
   * last visit's errors go, and so does any password typed then; focus goes to the title.
   */
  update({ opened = false } = {}) {
    if (opened) {
      this.errors = {};
      this.problem = null;
      for (const input of this.querySelectorAll('input[type="password"]')) input.value = "";
    }
    this.draw();
    if (opened) this.querySelector("h2")?.focus();
  }

  draw() {
    document.title = `${this.title()} — ${t("app.name")}`;
    const before = this.querySelector("form");
    const values = { ...(before ? valuesOf(before) : {}), ...prefilled[this.formName] };
    delete prefilled[this.formName];
    render(this, this.page());
    const form = this.querySelector("form");
    if (!form) return;
    restore(form, values);
    showErrors(form, this.errors);
    this.showProblem();
    if (this.busy) setBusy(form, true, this.busyLabel());
  }

  page() {
    const person = me();
    return html`<section class="wrap account-page" aria-labelledby="${this.formName}-title" data-testid="${this.formName}-page">
      <div class="account-card">
        <h2 id="${this.formName}-title" tabindex="-1">${this.title()}</h2>
        ${person
          ? html`<p class="account-intro">${t("signin.already", { name: person.name })}</p>
            <button type="button" class="button button-primary" data-continue data-focus-key="continue">${t("signin.continue")}</button>`
          : html`<p class="account-intro">${this.intro()}</p>
            <form class="account-form" novalidate data-testid="${this.formName}-form">
              ${this.fields()}
              <p class="form-error" role="alert" data-testid="${this.formName}-error" data-form-problem hidden></p>
              <button type="submit" class="button button-primary" data-focus-key="${this.formName}-submit">${this.submitLabel()}</button>
            </form>
            ${this.switchLink()}`}
      </div>
    </section>`;
  }

  showProblem() {
    const box = this.querySelector("[data-form-problem]");
    if (!box) return;
    box.textContent = this.problem || "";
    box.hidden = !this.problem;
  }

  async onSubmit(event) {
    event.preventDefault();
    const form = event.target;
    if (this.busy) return;
    const values = valuesOf(form);
    this.errors = this.check(values);
    this.problem = Object.keys(this.errors).length ? this.summary() : null;
    this.showProblem();
    const invalid = showErrors(form, this.errors);
    if (invalid) {
      invalid.focus();
      return;
    }
    await this.submit(values);
  }

  async submit(values) {
    this.busy = true;
    setBusy(this.querySelector("form"), true, this.busyLabel());
    try {
      const result = await this.send(values);
      this.busy = false;
      this.sent(result, values);
    } catch (error) {
      this.busy = false;
      this.fail(this.refusal(error));
    }
  }

  /** Show a refusal: errors next to their fields (focus on the first), else above the button. */
  fail({ errors = {}, problem = null }) {
    const form = this.querySelector("form");
    this.errors = errors;
    this.problem = problem;
    if (!form) return;
    setBusy(form, false, this.submitLabel());
    this.showProblem();
    showErrors(form, errors)?.focus();
  }

  /** What `send` answered: the signed-in person (else the browser kept no cookie). A form that
   * signs nobody in says what happened instead. */
  sent(person) {
    if (person) this.done();
    else this.fail({ problem: t("signin.cookieRefused") });
  }

  done() {
    this.errors = {};
    this.problem = null;
    this.dispatchEvent(new CustomEvent("pv-signed-in", { bubbles: true }));
  }

  summary() {
    return null;
  }
}
