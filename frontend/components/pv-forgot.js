// <pv-forgot>: "forgot my password" (`view=forgot`): an email in, a link to choose a new
// password out, by mail. The server answers the same whether or not the address has an
// account, and so does this page.

import { askForPasswordLink } from "../account.js";
import { field, FormPage } from "../forms.js";
import { html } from "../html.js";
import { t } from "../i18n.js";
import { hrefFor } from "../state.js";

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

class PvForgot extends FormPage {
  connectedCallback() {
    super.connectedCallback();
    this.sentTo = null;
  }

  get formName() {
    return "forgot";
  }

  title() {
    return t("forgot.title");
  }

  intro() {
    return t("forgot.intro");
  }

  submitLabel() {
    return t("forgot.submit");
  }

  busyLabel() {
    return t("forgot.busy");
  }

  update({ opened = false } = {}) {
    if (opened) this.sentTo = null;
    super.update({ opened });
  }

  page() {
    if (!this.sentTo) return super.page();
    return html`<section class="wrap account-page" aria-labelledby="forgot-title" data-testid="forgot-page">
      <div class="account-card">
        <h2 id="forgot-title" tabindex="-1">${t("forgot.sentTitle")}</h2>
        <p class="account-intro" role="status" data-testid="forgot-sent">${t("forgot.sent", { email: this.sentTo })}</p>
        <p class="account-switch"><a href="${hrefFor({ view: "signin" })}" data-testid="to-signin">${t(
          "forgot.toSignin")}</a></p>
      </div>
    </section>`;
  }

  fields() {
    return field("forgot", "email", t("signin.email"), {
      type: "email",
      attrs: html`autocomplete="username" spellcheck="false" autocapitalize="off" required`,
    });
  }

  switchLink() {
    return html`<p class="account-switch"><a href="${hrefFor({ view: "signin" })}" data-testid="to-signin">${t(
      "forgot.toSignin")}</a></p>`;
  }

  check({ email }) {
    return EMAIL.test(email) ? {} : { email: t("signup.emailInvalid") };
  }

  send({ email }) {
    return askForPasswordLink(email);
  }

  sent(_result, { email }) {
    this.sentTo = email;
    this.draw();
    this.querySelector("h2")?.focus();
  }

  refusal(error) {
    if (error.field === "email") return { errors: { email: t("signup.emailInvalid") } };
    return { problem: t("forgot.error", { message: error.message }) };
  }
}

customElements.define("pv-forgot", PvForgot);
