// <pv-signin>: the sign-in page (`view=signin`). An unknown email and a wrong password get the
// same answer from the server (it does not tell who has an account); after too many failures
// it asks to wait, and the page says for how long.

import { signIn } from "../account.js";
import { field, FormPage } from "../forms.js";
import { html } from "../html.js";
import { t } from "../i18n.js";
import { hrefFor } from "../state.js";

class PvSignin extends FormPage {
  get formName() {
    return "signin";
  }

  title() {
    return t("signin.title");
  }

  intro() {
    return t("signin.intro");
  }

  submitLabel() {
    return t("signin.submit");
  }

  busyLabel() {
    return t("signin.busy");
  }

  fields() {
    return html`
      ${field("signin", "email", t("signin.email"), {
        type: "email",
        attrs: html`autocomplete="username" spellcheck="false" autocapitalize="off" required`,
      })}
      ${field("signin", "password", t("signin.password"), {
        type: "password",
        attrs: html`autocomplete="current-password" required`,
      })}`;
  }

  switchLink() {
    return html`<p class="account-switch"><a href="${hrefFor({ view: "forgot" })}" data-testid="to-forgot">${t(
      "signin.forgot")}</a></p>
    <p class="account-switch">${t("signin.noAccount")}
      <a href="${hrefFor({ view: "signup" })}" data-testid="to-signup">${t("signin.toSignup")}</a></p>`;
  }

  check({ email, password }) {
    const errors = {};
    if (!email) errors.email = t("signin.emailMissing");
    if (!password) errors.password = t("signin.passwordMissing");
    return errors;
  }

  send({ email, password }) {
    return signIn(email, password);
  }

  /** The API's own words, except for a wait, which is said in minutes in the page's language. */
  refusal(error) {
    if (error.code === "rate_limited" && error.retryAfter) {
      return { problem: t("signin.rateLimited", { minutes: Math.max(1, Math.ceil(error.retryAfter / 60)) }) };
    }
    return { problem: t("signin.error", { message: error.message }) };
  }
}

customElements.define("pv-signin", PvSignin);
