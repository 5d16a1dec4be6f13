// <pv-password>: choosing a password with a link sent by mail (`view=password&token=…`): the
// first one, for a stand's staff member whose account the showroom import made, or a new one
// after "forgot my password". Choosing it signs in (and signs out every other session of the
// account); a staff member then lands on their exhibitor desk. A link that expired or was used
// says so, with the way to ask for a new one.

import { choosePassword } from "../account.js";
import { field, FormPage } from "../forms.js";
import { html } from "../html.js";
import { t } from "../i18n.js";
import { refreshStands } from "../my-stands.js";
import { current, hrefFor, navigate } from "../state.js";

const MIN_PASSWORD = 10;

class PvPassword extends FormPage {
  get formName() {
    return "password";
  }

  title() {
    return t("password.title");
  }

  intro() {
    return current().token ? t("password.intro") : t("password.noToken");
  }

  submitLabel() {
    return t("password.submit");
  }

  busyLabel() {
    return t("password.busy");
  }

  fields() {
    return field("password", "password", t("password.new"), {
      type: "password",
      hint: t("signup.passwordHint"),
      attrs: html`autocomplete="new-password" minlength="${MIN_PASSWORD}" required`,
    });
  }

  switchLink() {
    return html`<p class="account-switch"><a href="${hrefFor({ view: "forgot", token: null })}"
      data-testid="to-forgot">${t("password.askAgain")}</a></p>`;
  }

  check({ password }) {
    if (!current().token) return { password: t("password.noToken") };
    return password.length < MIN_PASSWORD ? { password: t("signup.passwordShort") } : {};
  }

  async send({ password }) {
    const person = await choosePassword(current().token, password);
    this.staff = person ? (await refreshStands()).length > 0 : false;
    return person;
  }

  refusal(error) {
    if (error.field === "token") return { problem: t("password.linkGone") };
    if (error.field === "password") return { errors: { password: t("signup.passwordShort") } };
    return { problem: t("password.error", { message: error.message }) };
  }

  /** Signed in: staff go to their desk; anybody else where the form was opened from. */
  done() {
    if (this.staff) {
      this.errors = {};
      this.problem = null;
      navigate({ view: "exhibitor", token: null }, { replace: true });
      return;
    }
    super.done();
  }
}

customElements.define("pv-password", PvPassword);
