// <pv-account>: my account (`view=account`): my name, the language and the time zone I read
// the forum in, which notices I also want by mail (every notice appears here in the app
// anyway), and my password.
//
// Saving a language or a zone also switches the page to them (they go to the URL, as the
// header's own switches do), so what I chose is what I see at once.

import { account, known, me, refresh as refreshAccount } from "../account.js";
import { patchJSON, paths, postJSON } from "../api.js";
import { field, refusalText, setBusy, showErrors } from "../forms.js";
import { html, render } from "../html.js";
import { LANGS, t } from "../i18n.js";
import { NOTICE_KINDS } from "../notice-words.js";
import { current, hrefFor, navigate } from "../state.js";
import { resolveZone, zoneNames } from "../time.js";

const PROFILE_FIELDS = ["name", "language", "tz", "mail_off"];
const PASSWORD_FIELDS = ["current", "password"];
const MIN_PASSWORD = 10; // as the server asks (server/accounts/models.py)

/** What the profile form holds: its text and choices, and the kinds of mail turned off. */
function profileOf(form) {
  const value = (name) => form.elements.namedItem(name).value.trim();
  return {
    name: value("name"),
    language: value("language"),
    tz: value("tz"),
    mail_off: NOTICE_KINDS.filter((kind) => !form.elements.namedItem(`mail-${kind}`).checked),
  };
}

function fill(form, values) {
  for (const name of ["name", "language", "tz"]) form.elements.namedItem(name).value = values[name] ?? "";
  for (const kind of NOTICE_KINDS) {
    form.elements.namedItem(`mail-${kind}`).checked = !(values.mail_off || []).includes(kind);
  }
}

class PvAccount extends HTMLElement {
  connectedCallback() {
    this.who = null; // the person whose details the form holds
    this.profile = null; // what the form holds (kept across redraws)
    this.errors = { profile: {}, password: {} };
    this.problems = { profile: null, password: null };
    this.said = { profile: null, password: null }; // i18n keys: said in the page's language
    this.busy = { profile: false, password: false };
    this.addEventListener("submit", (event) => this.onSubmit(event));
    account.addEventListener("change", () => {
      if (!this.hidden) this.update();
    });
  }

  /** Shown, or the URL or the person changed. Opened: the form shows what is saved. */
  update({ opened = false } = {}) {
    document.title = `${t("myAccount.title")} — ${t("app.name")}`;
    const person = me();
    const reset = opened || person?.id !== this.who;
    if (reset) {
      this.who = person?.id ?? null;
      this.profile = person ? { name: person.name, language: person.language, tz: person.tz, mail_off: person.mail_off || [] } : null;
      this.errors = { profile: {}, password: {} };
      this.problems = { profile: null, password: null };
      if (opened) this.said = { profile: null, password: null };
    }
    this.draw({ keep: !reset, keepSecrets: !opened });
    if (opened) this.querySelector("#myaccount-title")?.focus();
  }

  /** Draw the page. `keep`: the details typed stay (else the form shows what is saved);
   * `keepSecrets`: so do the passwords typed. */
  draw({ keep = true, keepSecrets = true } = {}) {
    const form = this.querySelector("form[data-profile]");
    if (form && keep) this.profile = profileOf(form);
    const typed = keepSecrets && this.querySelector("form[data-password]");
    const secrets = typed ? PASSWORD_FIELDS.map((name) => typed.elements.namedItem(name).value) : null;
    render(this, html`<section class="wrap account-page myaccount-page" aria-labelledby="myaccount-title" data-testid="myaccount-page">
      <h2 id="myaccount-title" tabindex="-1" data-focus-key="myaccount-title">${t("myAccount.title")}</h2>
      ${this.body()}
    </section>`);
    const profile = this.querySelector("form[data-profile]");
    if (profile && this.profile) fill(profile, this.profile);
    const password = this.querySelector("form[data-password]");
    if (password && secrets) PASSWORD_FIELDS.forEach((name, i) => { password.elements.namedItem(name).value = secrets[i]; });
    for (const which of ["profile", "password"]) this.showState(which);
  }

  body() {
    if (!known()) return html`<p class="notice notice-loading" role="status">${t("myAccount.loading")}</p>`;
    const person = me();
    if (!person) {
      return html`<div class="empty-state" data-testid="myaccount-signin">
        <p>${t("myAccount.signIn")}</p>
        <a class="button button-primary" href="${hrefFor({ view: "signin" })}" data-focus-key="myaccount-signin">${t("account.signIn")}</a>
      </div>`;
    }
    return html`<p class="account-intro">${t("myAccount.intro", { email: person.email })}</p>
      ${this.profileForm()}
      ${this.passwordForm()}`;
  }

  profileForm() {
    return html`<form class="account-card account-form" novalidate data-profile data-testid="profile-form" aria-labelledby="profile-title">
      <h3 id="profile-title">${t("myAccount.details")}</h3>
      ${field("profile", "name", t("myAccount.name"), { attrs: html`autocomplete="name" data-testid="profile-name"` })}
      <div class="form-field" data-field="language">
        <label for="profile-language">${t("myAccount.language")}</label>
        <select id="profile-language" name="language" data-focus-key="profile-language" data-testid="profile-language"
          aria-describedby="profile-language-error">${LANGS.map((code) => html`<option value="${code}" lang="${code}">${t(`lang.${code}`)}</option>`)}</select>
        <p class="field-error" id="profile-language-error" data-error-for="language" hidden></p>
      </div>
      ${field("profile", "tz", t("myAccount.tz"), {
        hint: t("myAccount.tzHint"),
        attrs: html`list="profile-tz-list" autocomplete="off" spellcheck="false" autocapitalize="off" data-testid="profile-tz"`,
      })}
      <datalist id="profile-tz-list">${zoneNames().map((name) => html`<option value="${name}"></option>`)}</datalist>
      <fieldset class="myaccount-mail" data-field="mail_off" aria-describedby="profile-mail-hint profile-mail_off-error">
        <legend>${t("myAccount.mail")}</legend>
        <p class="form-hint" id="profile-mail-hint">${t("myAccount.mailHint")}</p>
        <ul class="myaccount-kinds">${NOTICE_KINDS.map((kind) => html`<li>
          <input type="checkbox" id="mail-${kind}" name="mail-${kind}" data-focus-key="mail-${kind}" data-testid="mail-${kind}">
          <label for="mail-${kind}">${t(`myAccount.kind.${kind}`)}</label>
        </li>`)}</ul>
        <p class="field-error" id="profile-mail_off-error" data-error-for="mail_off" hidden></p>
      </fieldset>
      <p class="form-error" role="alert" data-form-problem hidden></p>
      <p class="form-said" role="status" data-form-said data-testid="profile-said"></p>
      <button type="submit" class="button button-primary" data-focus-key="profile-save" data-testid="profile-save">${t("myAccount.save")}</button>
    </form>`;
  }

  passwordForm() {
    return html`<form class="account-card account-form" novalidate data-password data-testid="mypassword-form" aria-labelledby="mypassword-title">
      <h3 id="mypassword-title">${t("myAccount.password")}</h3>
      ${field("mypassword", "current", t("myAccount.current"), { type: "password", attrs: html`autocomplete="current-password" data-testid="mypassword-current"` })}
      ${field("mypassword", "password", t("myAccount.new"), {
        type: "password",
        hint: t("myAccount.newHint", { count: MIN_PASSWORD }),
        attrs: html`autocomplete="new-password" data-testid="mypassword-new"`,
      })}
      <p class="form-error" role="alert" data-form-problem hidden></p>
      <p class="form-said" role="status" data-form-said data-testid="mypassword-said"></p>
      <button type="submit" class="button" data-focus-key="mypassword-save" data-testid="mypassword-save">${t("myAccount.changePassword")}</button>
    </form>`;
  }

  formOf(which) {
    return this.querySelector(which === "profile" ? "form[data-profile]" : "form[data-password]");
  }

  /** Errors next to their fields, the form's own problem, what was done; busy while sending. */
  showState(which) {
    const form = this.formOf(which);
    if (!form) return null;
    const problem = form.querySelector("[data-form-problem]");
    problem.textContent = this.problems[which] || "";
    problem.hidden = !this.problems[which];
    form.querySelector("[data-form-said]").textContent = this.said[which] ? t(this.said[which]) : "";
    const label = which === "profile" ? t("myAccount.save") : t("myAccount.changePassword");
    setBusy(form, this.busy[which], this.busy[which] ? t("myAccount.saving") : label);
    return showErrors(form, this.errors[which]);
  }

  onSubmit(event) {
    event.preventDefault();
    const form = event.target;
    if (form.matches("[data-profile]")) this.saveProfile(form);
    else if (form.matches("[data-password]")) this.changePassword(form);
  }

  /** Refused: next to the field the server named (else above the button), focus on it. */
  refused(which, error, fields) {
    if (error.status === 401) refreshAccount();
    const text = refusalText(error, "myAccount");
    const named = fields.includes(error.field);
    this.errors[which] = named ? { [error.field]: text } : {};
    this.problems[which] = named ? null : text;
    this.busy[which] = false;
    this.showState(which)?.focus();
  }

  async saveProfile(form) {
    if (this.busy.profile) return;
    const values = profileOf(form);
    const zone = resolveZone(values.tz);
    this.errors.profile = {};
    if (!values.name) this.errors.profile.name = t("myAccount.error.name.invalid");
    if (!zone) this.errors.profile.tz = t("myAccount.error.tz.invalid");
    this.problems.profile = null;
    this.said.profile = null;
    if (Object.keys(this.errors.profile).length) {
      this.showState("profile")?.focus();
      return;
    }
    this.busy.profile = true;
    this.showState("profile");
    let saved;
    try {
      saved = await patchJSON(paths.me(), { ...values, tz: zone });
    } catch (error) {
      this.refused("profile", error, PROFILE_FIELDS);
      return;
    }
    this.busy.profile = false;
    this.profile = { name: saved.name, language: saved.language, tz: saved.tz, mail_off: saved.mail_off };
    this.said.profile = "myAccount.saved";
    this.draw({ keep: false });
    // What I chose is what I see: the page in my language and zone (the URL keeps them).
    const { lang: shown, tz } = current();
    if (shown !== saved.language || tz !== saved.tz) navigate({ lang: saved.language, tz: saved.tz }, { replace: true });
    refreshAccount(); // the header's name, and every page that shows me
  }

  async changePassword(form) {
    if (this.busy.password) return;
    const old = form.elements.namedItem("current").value;
    const password = form.elements.namedItem("password").value;
    this.errors.password = {};
    if (!old) this.errors.password.current = t("myAccount.check.current");
    if (password.length < MIN_PASSWORD) this.errors.password.password = t("myAccount.error.password.invalid");
    this.problems.password = null;
    this.said.password = null;
    if (Object.keys(this.errors.password).length) {
      this.showState("password")?.focus();
      return;
    }
    this.busy.password = true;
    this.showState("password");
    try {
      await postJSON(paths.myPassword(), { current: old, password });
    } catch (error) {
      this.refused("password", error, PASSWORD_FIELDS);
      return;
    }
    this.busy.password = false;
    for (const name of PASSWORD_FIELDS) form.elements.namedItem(name).value = "";
    this.said.password = "myAccount.passwordChanged";
    this.showState("password");
  }
}

customElements.define("pv-account", PvAccount);
