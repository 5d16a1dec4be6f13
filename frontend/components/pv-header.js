// <pv-header>: the forum's name and dates, the way into the showrooms, the account links (sign
// in; or the person's name, My agenda, My badge and — for door staff and organisers — Door
// check-in for the forum in the URL, the program editor and People and roles for its
// organisers, the exhibitor desk for a stand's staff, My account, the notices, and Sign out),
// the language switch and the time-zone picker.
//
// The picker is a text input over a datalist of every zone the browser knows; a zone is
// applied on Enter, on leaving the field, or on picking from the list, and goes to the URL.

import { account, known, me, signOut } from "../account.js";
import { html, render } from "../html.js";
import { i18n, LANGS, t } from "../i18n.js";
import { myStands, staffedStands } from "../my-stands.js";
import { current, hrefFor, navigate, viewerZone } from "../state.js";
import { browserZone, formatDateRange, resolveZone, zoneNames } from "../time.js";

class PvHeader extends HTMLElement {
  connectedCallback() {
    this._forum = null;
    this.problem = null;
    this.typing = false; // the person is editing the zone: the URL must not overwrite it
    this.signOutProblem = null;
    i18n.addEventListener("change", () => this.draw());
    account.addEventListener("change", () => {
      this.signOutProblem = null;
      this.drawAccount();
    });
    myStands.addEventListener("change", () => this.drawAccount());
    this.addEventListener("change", (event) => this.onChange(event));
    this.addEventListener("input", (event) => this.onInput(event));
    this.addEventListener("keydown", (event) => this.onKeydown(event));
    this.addEventListener("click", (event) => this.onClick(event));
    this.draw();
  }

  set forum(value) {
    if (value === this._forum) return;
    this._forum = value;
    this.draw();
  }

  get forum() {
    return this._forum;
  }

  /** The URL changed: show the zone in force unless the person is typing one. */
  update() {
    const input = this.querySelector('[data-testid="tz-input"]');
    if (input && !this.typing) input.value = viewerZone();
    for (const button of this.querySelectorAll("[data-zone]")) {
      button.setAttribute("aria-pressed", String(button.dataset.zone === viewerZone()));
    }
    for (const link of this.querySelectorAll("[data-lang]")) {
      link.href = hrefFor({ lang: link.dataset.lang });
    }
    this.drawNav();
    this.drawAccount();
  }

  apply(value) {
    const zone = resolveZone(value);
    const input = this.querySelector('[data-testid="tz-input"]');
    if (!value.trim()) {
      // An emptied field is not a choice: show the zone in force again.
      this.typing = false;
      this.problem = null;
      this.showProblem();
      this.update();
      return;
    }
    if (!zone) {
      this.problem = t("tz.unknown", { value });
      this.showProblem();
      return;
    }
    this.problem = null;
    this.typing = false;
    this.showProblem();
    if (input) input.value = zone;
    if (zone !== current().tz) {
      navigate({ tz: zone });
      this.announce(t("tz.changed", { zone }));
    }
    this.update();
  }

  onChange(event) {
    if (event.target.matches('[data-testid="tz-input"]')) this.apply(event.target.value);
  }

  onInput(event) {
    // Picking from the datalist inserts the whole value at once: apply it straight away.
    const input = event.target;
    if (!input.matches('[data-testid="tz-input"]')) return;
    this.typing = true;
    if (event.inputType === "insertReplacementText" || event.inputType === undefined) {
      if (zoneNames().includes(input.value)) this.apply(input.value);
    }
  }

  onKeydown(event) {
    const input = event.target;
    if (!input.matches('[data-testid="tz-input"]')) return;
    if (event.key === "Enter") {
      event.preventDefault();
      this.apply(input.value);
    } else if (event.key === "Escape") {
      this.typing = false;
      input.value = viewerZone();
      this.problem = null;
      this.showProblem();
    }
  }

  onClick(event) {
    const button = event.target.closest("[data-zone]");
    if (button) this.apply(button.dataset.zone);
    if (event.target.closest("[data-sign-out]")) this.signOut();
  }

  async signOut() {
    this.signOutProblem = null;
    try {
      await signOut();
    } catch (error) {
      this.signOutProblem = t("account.signOutFailed", { message: error.message });
      this.drawAccount();
    }
  }

  /** Tell screen-reader users what changed on the page when the zone changes. */
  announce(text) {
    const region = this.querySelector(".tz-announce");
    if (region) region.textContent = text;
  }

  showProblem() {
    const box = this.querySelector(".tz-problem");
    const input = this.querySelector('[data-testid="tz-input"]');
    if (!box || !input) return;
    box.textContent = this.problem || "";
    box.hidden = !this.problem;
    input.setAttribute("aria-invalid", String(Boolean(this.problem)));
  }

  draw() {
    const forum = this._forum;
    const mine = browserZone();
    const zone = viewerZone();
    render(this, html`<header class="site-header">
      <div class="topbar">
        <div class="wrap topbar-inner">
          <a class="brand" href="${hrefFor({ view: null, marathon: null, session: null, date: null, venue: null, type: null, format: null })}">
            <span class="brand-mark" aria-hidden="true"></span>
            <span class="brand-name">${t("app.name")}</span>
          </a>
          <div class="topbar-tools">
            <nav class="site-nav" aria-label="${t("nav.label")}" data-site-nav></nav>
            <nav class="account-nav" aria-label="${t("account.label")}" data-account></nav>
            <nav class="lang-switch" aria-label="${t("lang.label")}">
              ${LANGS.map((code) => html`<a href="${hrefFor({ lang: code })}" data-lang="${code}"
                  lang="${code}" hreflang="${code}" data-focus-key="lang-${code}"
                  ${document.documentElement.lang === code ? html`aria-current="true"` : ""}
                  title="${t(`lang.${code}`)}">${code.toUpperCase()}</a>`)}
            </nav>
          </div>
        </div>
      </div>
      <div class="masthead">
        <div class="wrap masthead-inner">
          <div class="forum-title">
            ${forum
              ? html`<h1>${forum.name}</h1>
                ${forum.tagline ? html`<p class="tagline">${forum.tagline}</p>` : ""}
                <p class="forum-dates">${t("forum.dates", {
                  dates: formatDateRange(forum.starts_on, forum.ends_on),
                  city: forum.city,
                })}</p>`
              : html`<h1>${t("app.name")}</h1><p class="tagline">${t("app.tagline")}</p>`}
          </div>
          <div class="tz-picker" role="group" aria-labelledby="tz-label">
            <label id="tz-label" for="tz-input">${t("tz.label")}</label>
            <div class="tz-row">
              <input id="tz-input" data-testid="tz-input" data-focus-key="tz-input" type="text"
                list="tz-list" value="${zone}" autocomplete="off" spellcheck="false"
                autocapitalize="off" aria-describedby="tz-hint tz-problem">
              <datalist id="tz-list">${zoneNames().map((name) => html`<option value="${name}"></option>`)}</datalist>
            </div>
            <p id="tz-hint" class="tz-hint">${t("tz.hint")}</p>
            <p id="tz-problem" class="tz-problem" role="alert" hidden></p>
            <p class="tz-announce visually-hidden" aria-live="polite"></p>
            <div class="tz-shortcuts">
              ${forum ? html`<button type="button" class="chip" data-zone="${forum.tz}" data-testid="tz-forum"
                  data-focus-key="tz-forum" aria-pressed="${String(zone === forum.tz)}">${t("tz.forum", { zone: forum.tz })}</button>` : ""}
              <button type="button" class="chip" data-zone="${mine}" data-testid="tz-mine"
                data-focus-key="tz-mine" aria-pressed="${String(zone === mine)}">${t("tz.mine", { zone: mine })}</button>
            </div>
          </div>
        </div>
      </div>
    </header>`);
    this.showProblem();
    this.drawNav();
    this.drawAccount();
  }

  /** The sections of the site beside the forum's own pages: the showrooms. */
  drawNav() {
    const box = this.querySelector("[data-site-nav]");
    if (!box) return;
    const here = ["showrooms", "pavilion", "stand"].includes(current().view);
    render(box, html`<a href="${hrefFor({ view: "showrooms", session: null, marathon: null })}"
      data-testid="showrooms-link" data-focus-key="showrooms" ${here ? html`aria-current="page"` : ""}>${t("nav.showrooms")}</a>`);
  }

  /**
   * Signed out: "Sign in". Signed in: the name, "My agenda" and "Sign out". "Sign in" and
   * "Sign out" share a focus key, so signing out leaves keyboard focus on "Sign in".
   */
  drawAccount() {
    const box = this.querySelector("[data-account]");
    if (!box) return;
    let links = "";
    if (known()) links = me() ? this.signedIn(me()) : this.signedOut();
    render(box, html`${links}${this.signOutProblem
      ? html`<span class="account-problem" role="alert">${this.signOutProblem}</span>` : ""}`);
  }

  signedIn(person) {
    const { view, session } = current();
    return html`<span class="account-name"><span class="visually-hidden">${t("account.signedInAs")} </span><span
        data-testid="account-name">${person.name}</span></span>
      <a href="${hrefFor({ view: "agenda", session: null })}" data-testid="agenda-link" data-focus-key="agenda"
        ${view === "agenda" && !session ? html`aria-current="page"` : ""}>${t("account.agenda")}</a>
      ${this.forumLinks(person)}
      ${staffedStands().length ? html`<a href="${hrefFor({ view: "exhibitor", session: null, marathon: null })}"
        data-testid="exhibitor-link" data-focus-key="exhibitor"
        ${view === "exhibitor" ? html`aria-current="page"` : ""}>${t("account.exhibitor")}</a>` : ""}
      <a href="${hrefFor({ view: "account", session: null, marathon: null })}" data-testid="myaccount-link"
        data-focus-key="myaccount" ${view === "account" ? html`aria-current="page"` : ""}>${t("account.mine")}</a>
      <pv-notices></pv-notices>
      <button type="button" class="account-button" data-sign-out data-focus-key="account">${t("account.signOut")}</button>`;
  }

  /** My badge, and the door for those who may check people in, for the forum in the URL. */
  forumLinks(person) {
    const { forum, view, session } = current();
    if (!forum) return "";
    const link = (page, key) => html`<a href="${hrefFor({ view: page, session: null, marathon: null })}"
      data-testid="${page}-link" data-focus-key="${page}"
      ${view === page && !session ? html`aria-current="page"` : ""}>${t(key)}</a>`;
    // Door staff and organisers of this forum; the server decides anyway.
    const door = (person.roles || []).some((grant) => grant.forum_slug === forum
      && (grant.role === "door" || grant.role === "organiser"));
    // The program editor: the forum's organisers.
    const organiser = (person.roles || []).some((grant) => grant.forum_slug === forum && grant.role === "organiser");
    return html`${link("badge", "account.badge")}${door ? link("door", "account.door") : ""}${
      organiser ? link("editor", "account.editor") : ""}${organiser ? link("roles", "account.roles") : ""}`;
  }

  signedOut() {
    return html`<a href="${hrefFor({ view: "signin" })}" data-testid="signin-link" data-focus-key="account"
      ${current().view === "signin" ? html`aria-current="page"` : ""}>${t("account.signIn")}</a>`;
  }
}

customElements.define("pv-header", PvHeader);
