// <pv-signup>: the sign-up page (`view=signup`). The fields are checked here first, in the
// page's language; the server's refusal (an email already taken, a zone it does not know)
// is shown next to the field it names. The zone chosen here is the page's from then on (as
// saving it on the account page makes it); the zone offered is the one the page is read in.

import { signUp } from "../account.js";
import { field, FormPage, withoutField } from "../forms.js";
import { html } from "../html.js";
import { LANGS, lang, t } from "../i18n.js";
import { hrefFor, navigate, viewerZone } from "../state.js";
import { resolveZone } from "../time.js";

const FIELDS = ["email", "password", "name", "organisation", "country", "language", "tz"];
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const MIN_PASSWORD = 10;

class PvSignup extends FormPage {
  get formName() {
    return "signup";
  }

  title() {
    return t("signup.title");
  }

  intro() {
    return t("signup.intro");
  }

  submitLabel() {
    return t("signup.submit");
  }

  busyLabel() {
    return t("signup.busy");
  }

  summary() {
    return t("signup.fix");
  }

  fields() {
    return html`
      ${field("signup", "email", t("signup.email"), {
        type: "email",
        attrs: html`autocomplete="email" spellcheck="false" autocapitalize="off" required`,
      })}
      ${field("signup", "password", t("signup.password"), {
        type: "password",
        hint: t("signup.passwordHint"),
        attrs: html`autocomplete="new-password" minlength="${MIN_PASSWORD}" required`,
      })}
      ${field("signup", "name", t("signup.name"), { attrs: html`autocomplete="name" required` })}
      ${field("signup", "organisation", t("signup.organisation"), { attrs: html`autocomplete="organization"` })}
      ${field("signup", "country", t("signup.country"), {
        hint: t("signup.countryHint"),
        attrs: html`maxlength="2" autocomplete="country" autocapitalize="characters" spellcheck="false" class="input-short"`,
      })}
      ${this.languageField()}
      ${field("signup", "tz", t("signup.tz"), {
        hint: t("signup.tzHint"),
        attrs: html`value="${viewerZone()}" autocomplete="off" spellcheck="false" autocapitalize="off"`,
      })}`;
  }

  /** A select, not an input: so it is written out here rather than with `field`. */
  languageField() {
    return html`<div class="form-field" data-field="language">
      <label for="signup-language">${t("signup.language")}</label>
      <select id="signup-language" name="language" data-focus-key="signup-language"
        aria-describedby="signup-language-error">
        ${LANGS.map((code) => html`<option value="${code}" lang="${code}"
          ${code === lang() ? html`selected` : ""}>${t(`lang.${code}`)}</option>`)}
      </select>
      <p class="field-error" id="signup-language-error" data-error-for="language" hidden></p>
    </div>`;
  }

  switchLink() {
    return html`<p class="account-switch">${t("signup.haveAccount")}
      <a href="${hrefFor({ view: "signin" })}" data-testid="to-signin">${t("signup.toSignin")}</a></p>`;
  }

  check({ email, password, name, country, tz }) {
    const errors = {};
    if (!EMAIL.test(email)) errors.email = t("signup.emailInvalid");
    if (password.length < MIN_PASSWORD) errors.password = t("signup.passwordShort");
    if (!name) errors.name = t("signup.nameMissing");
    if (country && !/^[A-Za-z]{2}$/.test(country)) errors.country = t("signup.countryInvalid");
    if (tz && !resolveZone(tz)) errors.tz = t("signup.tzUnknown", { value: tz });
    return errors;
  }

  send(values) {
    this.zone = resolveZone(values.tz) || viewerZone();
    return signUp({ ...values, country: values.country.toUpperCase(), tz: this.zone });
  }

  /** Signed up: the page shows times in the zone chosen, then goes back where it was. */
  done() {
    const zone = this.zone;
    this.zone = null;
    if (zone && zone !== viewerZone()) navigate({ tz: zone }, { replace: true });
    super.done();
  }

  /** Next to the field the API names (without its "field: " prefix), else above the button. */
  refusal(error) {
    if (FIELDS.includes(error.field)) {
      return {
        errors: { [error.field]: withoutField(error.message, error.field) },
        problem: t("signup.fix"),
      };
    }
    return { problem: t("signup.error", { message: error.message }) };
  }
}

customElements.define("pv-signup", PvSignup);
