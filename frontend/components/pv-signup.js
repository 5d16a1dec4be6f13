// <pv-signup>: the sign-up page (`view=signup`). The fields are checked here first, in the
// page's language; the server's refusal (a zone it does not know) is shown next to the field
// it names. Signing up mails a link to the address, and the page says to check the mail: the
// server answers the same whether or not the address has an account (its owner is mailed that
// somebody tried), so the page cannot and does not say more. The mailed link opens this page
// again (`view=signup&token=…`), where one button makes the account and signs in. The zone
// chosen here is the page's from then on (as saving it on the account page makes it); the
// zone offered is the one the page is read in.

import { confirmSignUp, me, signUp } from "../account.js";
import { field, FormPage, withoutField } from "../forms.js";
import { html } from "../html.js";
import { LANGS, lang, t } from "../i18n.js";
import { current, hrefFor, navigate, viewerZone } from "../state.js";
import { resolveZone } from "../time.js";

const FIELDS = ["email", "password", "name", "organisation", "country", "language", "tz"];
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const MIN_PASSWORD = 10;

class PvSignup extends FormPage {
  connectedCallback() {
    super.connectedCallback();
    this.sentTo = null;
  }

  get formName() {
    return "signup";
  }

  update({ opened = false } = {}) {
    if (opened) this.sentTo = null;
    super.update({ opened });
  }

  page() {
    if (this.sentTo) return this.checkMail();
    if (current().token && !me()) return this.finish();
    return super.page();
  }

  /** Asked: the same words whether or not the address had an account. */
  checkMail() {
    return html`<section class="wrap account-page" aria-labelledby="signup-title" data-testid="signup-page">
      <div class="account-card">
        <h2 id="signup-title" tabindex="-1">${t("signup.sentTitle")}</h2>
        <p class="account-intro" role="status" data-testid="signup-sent">${t("signup.sent", { email: this.sentTo })}</p>
        <p class="account-switch"><a href="${hrefFor({ view: "signin" })}" data-testid="to-signin">${t(
          "forgot.toSignin")}</a></p>
      </div>
    </section>`;
  }

  /** The mailed link: one button makes the account and signs in. */
  finish() {
    return html`<section class="wrap account-page" aria-labelledby="signup-title" data-testid="signup-page">
      <div class="account-card">
        <h2 id="signup-title" tabindex="-1">${t("signup.finishTitle")}</h2>
        <p class="account-intro">${t("signup.finishIntro")}</p>
        <form class="account-form" novalidate data-testid="signup-finish">
          <p class="form-error" role="alert" data-testid="signup-error" data-form-problem hidden></p>
          <button type="submit" class="button button-primary" data-focus-key="signup-finish">${t("signup.finish")}</button>
        </form>
        <p class="account-switch"><a href="${hrefFor({ view: "signup", token: null })}"
          data-testid="to-signup">${t("signup.again")}</a></p>
      </div>
    </section>`;
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

  checkFields({ email, password, name, country, tz }) {
    const errors = {};
    if (!EMAIL.test(email)) errors.email = t("signup.emailInvalid");
    if (password.length < MIN_PASSWORD) errors.password = t("signup.passwordShort");
    if (!name) errors.name = t("signup.nameMissing");
    if (country && !/^[A-Za-z]{2}$/.test(country)) errors.country = t("signup.countryInvalid");
    if (tz && !resolveZone(tz)) errors.tz = t("signup.tzUnknown", { value: tz });
    return errors;
  }

  check(values) {
    return current().token ? {} : this.checkFields(values);
  }

  send(values) {
    if (current().token) return confirmSignUp(current().token);
    this.zone = resolveZone(values.tz) || viewerZone();
    const invite = current().invite ? { invite: current().invite } : {};
    return signUp({ ...values, country: values.country.toUpperCase(), tz: this.zone, ...invite });
  }

  /** Asked: say to check the mail. Finished through the link: signed in. */
  sent(result, values) {
    if (current().token) {
      super.sent(result);
      return;
    }
    this.sentTo = result?.email || values.email;
    this.draw();
    this.querySelector("h2")?.focus();
  }

  /** Signed in through the link: the page shows times in the account's zone, then goes back
   * where it was (the link's token leaves the URL). */
  done() {
    const zone = me()?.tz;
    const tz = zone && zone !== viewerZone() ? { tz: zone } : {};
    if (current().invite) {
      // Signed up from a mailed invitation's page: back to it, to accept.
      this.errors = {};
      this.problem = null;
      navigate({ view: "invite", token: null, ...tz }, { replace: true });
      return;
    }
    navigate({ token: null, ...tz }, { replace: true });
    super.done();
  }

  /** Next to the field the API names (without its "field: " prefix), else above the button. */
  refusal(error) {
    if (error.field === "token") return { problem: t("signup.linkGone") };
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
