// <pv-showrooms>: the showrooms' hall (`view=showrooms`): the pavilions as tiles, regions
// first (the host's pavilion first of all, and marked), then countries; a strip promoting the
// pavilions whose city is live in the marathon right now; and a search over every stand and
// product (`q`, with `industry` and `country` filters, all in the URL so a search can be
// shared).
//
// The page is drawn once per language with its search form, and its two live parts (the
// hall, the results) are painted into it, so typing is never interrupted: the query goes to
// the URL a moment after the last keystroke, and the URL drives the search.

import { account, me } from "../account.js";
import { ApiError, getJSON, paths } from "../api.js";
import { html, render } from "../html.js";
import { lang, t } from "../i18n.js";
import {
  INDUSTRIES, countryName, industryName, links, liveStrip, nameOf, pavilionTile, searchResult,
} from "../showroom-parts.js";
import { current, navigate, viewerZone } from "../state.js";
import { dayMomentIn } from "../time.js";

const DEBOUNCE_MS = 300;
const RESULTS = 30;

class PvShowrooms extends HTMLElement {
  connectedCallback() {
    this.pavilions = null;
    this.hallKey = null;
    this.hallFailure = null;
    this.found = null;
    this.searchKey = null; // the search the results below answer (null: none asked)
    this.searchFailure = null;
    this.conversations = []; // mine with stands, latest first (signed in)
    this.controller = null;
    this.timer = null;
    this.shape = null;
    this.painted = {};
    this.addEventListener("input", (event) => this.onInput(event));
    this.addEventListener("change", (event) => this.onChange(event));
    this.addEventListener("submit", (event) => this.onSubmit(event));
    this.addEventListener("click", (event) => this.onClick(event));
    // Signed in (or out) after the hall was drawn: my conversations come (or go) with it.
    account.addEventListener("change", () => {
      if (this.shape) this.loadConversations();
    });
  }

  /** Shown, or the URL changed: the hall in this language, the search the URL asks for. */
  update({ opened = false } = {}) {
    document.title = `${t("showrooms.title")} — ${t("app.name")}`;
    this.draw();
    this.loadHall();
    this.loadConversations();
    this.search();
    if (opened) this.querySelector("#showrooms-title")?.focus();
  }

  /** Nothing live here: a search typed but not sent yet is dropped. */
  pause() {
    clearTimeout(this.timer);
  }

  async loadHall() {
    const key = lang();
    if (key === this.hallKey) return;
    this.hallKey = key;
    this.hallFailure = null;
    try {
      const found = await getJSON(paths.pavilions(), { lang: key });
      if (key !== this.hallKey) return;
      this.pavilions = found;
    } catch (error) {
      if (key !== this.hallKey) return;
      this.hallFailure = error;
    }
    this.paint();
  }

  /** My conversations with stands, to go back to one (signed out: none). */
  async loadConversations() {
    if (!me()) {
      this.conversations = [];
      this.paint();
      return;
    }
    try {
      this.conversations = await getJSON(paths.myConversations());
    } catch {
      return; // the hall works without them
    }
    this.paint();
  }

  async search() {
    const { q, industry, country } = current();
    const words = (q || "").trim();
    const key = words ? [words, industry, country, lang()].join("|") : null;
    if (key === this.searchKey) {
      this.paint();
      return;
    }
    this.searchKey = key;
    this.controller?.abort();
    this.found = null;
    this.searchFailure = null;
    this.paint();
    if (!key) return;
    const controller = new AbortController();
    this.controller = controller;
    try {
      const params = { q: words, industry, country, limit: RESULTS, lang: lang() };
      this.found = await getJSON(paths.search(), params, { signal: controller.signal });
    } catch (error) {
      if (error.name === "AbortError" || key !== this.searchKey) return;
      this.searchFailure = error;
    }
    if (key !== this.searchKey) return;
    this.paint();
    this.announce();
  }

  // --- drawing -------------------------------------------------------------------------------

  draw() {
    const shape = lang();
    if (shape !== this.shape) {
      this.shape = shape;
      this.painted = {};
      render(this, this.page());
    }
    this.syncForm();
    this.paint();
  }

  page() {
    return html`<section class="wrap showrooms-page" aria-labelledby="showrooms-title" data-testid="showrooms-page">
      <header class="showrooms-head">
        <p class="kicker">${t("showrooms.kicker")}</p>
        <h2 id="showrooms-title" tabindex="-1" data-focus-key="showrooms-title">${t("showrooms.title")}</h2>
        <p class="showrooms-intro">${t("showrooms.intro")}</p>
      </header>
      <form class="showroom-search" role="search" data-form="search" novalidate data-testid="showroom-search">
        <div class="search-row">
          <label for="showroom-q" class="visually-hidden">${t("showrooms.search.label")}</label>
          <input id="showroom-q" name="q" type="search" maxlength="200" autocomplete="off"
            placeholder="${t("showrooms.search.placeholder")}" aria-describedby="showroom-q-hint"
            data-focus-key="showroom-q" data-testid="showroom-q">
          <button type="submit" class="button button-primary" data-focus-key="showroom-go">${t("showrooms.search.submit")}</button>
        </div>
        <p class="form-hint" id="showroom-q-hint">${t("showrooms.search.hint")}</p>
        <div class="search-filters">
          <div class="field">
            <label for="showroom-industry">${t("showrooms.filter.industry")}</label>
            <select id="showroom-industry" name="industry" data-filter="industry" data-focus-key="filter-industry"
              data-testid="filter-industry">
              <option value="">${t("showrooms.filter.allIndustries")}</option>
              ${INDUSTRIES.map((slug) => html`<option value="${slug}">${industryName(slug)}</option>`)}
            </select>
          </div>
          <div class="field" data-part="country"></div>
        </div>
      </form>
      <p class="visually-hidden" role="status" data-announce></p>
      <div class="search-area" data-part="results"></div>
      <div data-part="conversations"></div>
      <div data-part="hall"></div>
    </section>`;
  }

  /** The form shows what the URL asks, except in the field the person is typing in. */
  syncForm() {
    const { q, industry } = current();
    const box = this.querySelector("#showroom-q");
    if (box && document.activeElement !== box && box.value.trim() !== (q || "")) box.value = q || "";
    const select = this.querySelector("#showroom-industry");
    if (select) select.value = INDUSTRIES.includes(industry) ? industry : "";
  }

  paint() {
    this.part("country", this.countryField());
    const select = this.querySelector("#showroom-country");
    if (select) select.value = current().country || "";
    this.part("results", this.results());
    this.part("conversations", this.conversationList());
    this.part("hall", this.hall());
  }

  part(name, markup) {
    const element = this.querySelector(`[data-part="${name}"]`);
    if (!element) return;
    const text = html`${markup}`.text;
    if (this.painted[name] === text) return;
    this.painted[name] = text;
    render(element, html`${markup}`);
  }

  /** The countries of the pavilions in the hall (and the one in the URL, if it is another). */
  countryField() {
    const codes = new Set((this.pavilions || []).map((p) => p.country));
    if (current().country) codes.add(current().country);
    const options = [...codes].map((code) => [code, countryName(code)])
      .sort((a, b) => a[1].localeCompare(b[1], lang()));
    return html`<label for="showroom-country">${t("showrooms.filter.country")}</label>
      <select id="showroom-country" name="country" data-filter="country" data-focus-key="filter-country"
        data-testid="filter-country">
        <option value="">${t("showrooms.filter.allCountries")}</option>
        ${options.map(([code, name]) => html`<option value="${code}">${name}</option>`)}
      </select>`;
  }

  results() {
    if (!this.searchKey) return "";
    const { q, industry, country } = current();
    const filtered = Boolean(industry || country);
    if (this.searchFailure) return this.searchProblem(this.searchFailure);
    if (!this.found) {
      return html`<p class="notice notice-loading" data-testid="search-loading">${t("showrooms.search.loading")}</p>`;
    }
    const list = this.found.results;
    const clear = html`<button type="button" class="button" data-clear-search data-focus-key="clear-search">${t(filtered
      ? "showrooms.search.clearFilters" : "showrooms.search.clear")}</button>`;
    if (!list.length) {
      return html`<div class="empty-state search-empty" data-testid="search-empty">
        <p>${t("showrooms.search.empty", { q: q.trim() })}</p>${clear}</div>`;
    }
    return html`<section class="search-results" aria-labelledby="search-results-title" data-testid="search-results">
      <div class="block-head">
        <h3 id="search-results-title">${t("showrooms.search.title")}</h3>
        <p class="muted">${this.countText()}</p>
      </div>
      <ol class="result-list">${list.map(searchResult)}</ol>
      <p class="search-foot">${clear}</p>
    </section>`;
  }

  /** A query without a word is the person's to fix (said as a hint); anything else may pass. */
  searchProblem(error) {
    if (error instanceof ApiError && error.field === "q") {
      return html`<p class="room-note room-note-warning" data-testid="search-words">${t("showrooms.search.words")}</p>`;
    }
    return html`<div class="notice notice-error" role="alert" data-testid="search-error">
      <p>${t("showrooms.search.error", { message: error.message })}</p>
      <button type="button" class="button" data-retry-search data-focus-key="retry-search">${t("program.retry")}</button>
    </div>`;
  }

  countText() {
    return t("showrooms.search.count", { count: this.found.results.length, q: current().q.trim() });
  }

  /** Tell screen readers how the search went (the list itself is not a live region). */
  announce() {
    const region = this.querySelector("[data-announce]");
    if (!region) return;
    if (this.searchFailure) region.textContent = "";
    else if (this.found) region.textContent = this.countText();
  }

  /** My conversations with stands: each goes back to its stand, where the chat continues. */
  conversationList() {
    if (!this.conversations.length) return "";
    const zone = viewerZone();
    return html`<section class="conversations" aria-labelledby="conversations-title" data-testid="my-conversations">
      <h3 id="conversations-title" class="group-title">${t("showrooms.conversations")}</h3>
      <ul class="conversation-list">${this.conversations.map((c) => html`<li data-testid="conversation">
        <a href="${links.stand(c.stand.slug)}">${nameOf(c.stand)}</a>
        <span class="muted">${dayMomentIn(c.last_at, zone)}</span>
        ${c.last_text ? html`<p class="conversation-last">${c.last_text}</p>` : ""}
      </li>`)}</ul>
    </section>`;
  }

  hall() {
    if (this.hallFailure) {
      return html`<div class="notice notice-error" role="alert" data-testid="hall-error">
        <p>${t("showrooms.error", { message: this.hallFailure.message })}</p>
        <button type="button" class="button" data-retry-hall data-focus-key="retry-hall">${t("program.retry")}</button>
      </div>`;
    }
    if (!this.pavilions) {
      return html`<p class="notice notice-loading" role="status">${t("showrooms.loading")}</p>`;
    }
    if (!this.pavilions.length) {
      return html`<p class="empty-state" data-testid="hall-empty">${t("showrooms.empty")}</p>`;
    }
    const group = (kind) => {
      const members = this.pavilions.filter((p) => p.kind === kind);
      if (!members.length) return "";
      return html`<section class="pavilion-group" aria-labelledby="hall-${kind}" data-testid="hall-${kind}">
        <h3 id="hall-${kind}" class="group-title">${t(`showrooms.group.${kind}`)}</h3>
        <ul class="pavilion-grid">${members.map(pavilionTile)}</ul>
      </section>`;
    };
    return html`${liveStrip(this.pavilions)}${group("region")}${group("country")}`;
  }

  // --- acting --------------------------------------------------------------------------------

  onInput(event) {
    if (event.target.id !== "showroom-q") return;
    clearTimeout(this.timer);
    const value = event.target.value;
    this.timer = setTimeout(() => this.ask(value), DEBOUNCE_MS);
  }

  /** Put the query in the URL (replacing the entry: a search typed is not a page visited). */
  ask(value) {
    clearTimeout(this.timer);
    navigate({ q: value.trim() || null }, { replace: true });
  }

  onSubmit(event) {
    if (!event.target.matches('form[data-form="search"]')) return;
    event.preventDefault();
    this.ask(this.querySelector("#showroom-q").value);
  }

  onChange(event) {
    const filter = event.target.dataset?.filter;
    if (filter) navigate({ [filter]: event.target.value || null });
  }

  onClick(event) {
    const target = event.target.closest("button");
    if (!target) return;
    if ("retryHall" in target.dataset) {
      this.hallKey = null;
      this.loadHall();
    } else if ("retrySearch" in target.dataset) {
      this.searchKey = null;
      this.search();
    } else if ("clearSearch" in target.dataset) {
      const { industry, country } = current();
      if (industry || country) {
        navigate({ industry: null, country: null });
      } else {
        const box = this.querySelector("#showroom-q");
        box.value = "";
        navigate({ q: null });
        box.focus();
      }
    }
  }
}

customElements.define("pv-showrooms", PvShowrooms);
