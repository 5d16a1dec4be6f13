// <pv-pavilion>: one pavilion (`view=pavilion&pavilion=<slug>`): its banner and description,
// and its stands as cards sized as their exhibitors chose (a large stand spans two columns),
// filtered by an industry (`industry` in the URL) with chips of the industries present.

import { getJSON, paths } from "../api.js";
import { html, render } from "../html.js";
import { lang, t } from "../i18n.js";
import { countryName, industryName, links, standCard } from "../showroom-parts.js";
import { current, navigate } from "../state.js";

class PvPavilion extends HTMLElement {
  connectedCallback() {
    this.pavilion = null;
    this.key = null;
    this.failure = null;
    this.addEventListener("click", (event) => this.onClick(event));
  }

  update({ opened = false } = {}) {
    const slug = current().pavilion;
    if (!slug) return;
    const key = `${slug}|${lang()}`;
    if (key === this.key) {
      this.draw();
      if (opened) this.focusTitle();
      return;
    }
    const another = !this.pavilion || this.pavilion.slug !== slug;
    this.key = key;
    this.load(key, slug, opened || another);
  }

  pause() {}

  async load(key, slug, focus) {
    this.failure = null;
    if (focus) this.pavilion = null;
    this.draw();
    try {
      const found = await getJSON(paths.pavilion(slug), { lang: lang() });
      if (key !== this.key) return;
      this.pavilion = found;
    } catch (error) {
      if (key !== this.key) return;
      this.failure = error;
    }
    this.draw();
    if (focus) this.focusTitle();
  }

  focusTitle() {
    this.querySelector("#pavilion-title")?.focus();
  }

  back() {
    return html`<a class="back-link" href="${links.hall()}" data-focus-key="back" data-testid="pavilion-back"><span
      aria-hidden="true">←</span> ${t("showrooms.back")}</a>`;
  }

  draw() {
    if (this.failure) {
      const missing = this.failure.status === 404;
      render(this, html`<div class="wrap pavilion-page">${this.back()}
        <div class="notice notice-error" role="alert" data-testid="pavilion-error">
          <p>${missing ? t("pavilion.notFound") : t("pavilion.error", { message: this.failure.message })}</p>
          ${missing ? "" : html`<button type="button" class="button" data-retry data-focus-key="retry">${t("program.retry")}</button>`}
        </div></div>`);
      return;
    }
    const p = this.pavilion;
    if (!p) {
      render(this, html`<div class="wrap pavilion-page">${this.back()}
        <p class="notice notice-loading" role="status">${t("pavilion.loading")}</p></div>`);
      return;
    }
    document.title = `${p.name} — ${t("showrooms.title")}`;
    render(this, html`<article class="wrap pavilion-page" aria-labelledby="pavilion-title" data-testid="pavilion-page"
        data-slug="${p.slug}">
      ${this.back()}
      <header class="pavilion-head${p.host ? " is-host" : ""}">
        ${p.banner ? html`<img class="pavilion-hero" src="${p.banner.url}" alt="" decoding="async">` : ""}
        <div class="pavilion-head-text">
          <p class="kicker">${t(`showrooms.kind.${p.kind}`)}${p.host
            ? html` <span class="host-mark">★ ${t(`showrooms.host.${p.kind}`)}</span>` : ""}</p>
          <h2 id="pavilion-title" tabindex="-1" data-focus-key="pavilion-title">${p.name}</h2>
          <p class="muted">${p.city ? `${p.city}, ${countryName(p.country)}` : countryName(p.country)}</p>
          ${p.description ? p.description.split(/\n{2,}/).map((para) => html`<p class="pavilion-about">${para}</p>`) : ""}
        </div>
      </header>
      ${this.stands(p)}
    </article>`);
  }

  stands(p) {
    if (!p.stands.length) {
      return html`<p class="empty-state" data-testid="pavilion-empty">${t("pavilion.empty")}</p>`;
    }
    const present = [...new Set(p.stands.flatMap((s) => s.industries))]
      .sort((a, b) => industryName(a).localeCompare(industryName(b), lang()));
    const wanted = present.includes(current().industry) ? current().industry : null;
    const shown = wanted ? p.stands.filter((s) => s.industries.includes(wanted)) : p.stands;
    const chip = (slug) => html`<button type="button" class="filter-chip" data-industry="${slug || ""}"
      data-focus-key="industry-${slug || "all"}" aria-pressed="${String(slug === wanted)}">${slug
        ? industryName(slug) : t("pavilion.allIndustries")}</button>`;
    return html`<section class="pavilion-stands" aria-labelledby="stands-title">
      <div class="block-head">
        <h3 id="stands-title">${t("pavilion.stands")}</h3>
        <p class="muted" data-testid="stands-count">${wanted
          ? t("pavilion.shownOf", { shown: shown.length, total: p.stands.length })
          : t("showrooms.stands", { count: p.stands.length })}</p>
      </div>
      ${present.length > 1 ? html`<div class="filter-chips" role="group" aria-label="${t("pavilion.filter")}"
        data-testid="industry-chips">${chip(null)}${present.map(chip)}</div>` : ""}
      <ul class="stand-grid" data-testid="stand-grid">${shown.map(standCard)}</ul>
    </section>`;
  }

  onClick(event) {
    const target = event.target.closest("button");
    if (!target) return;
    if ("retry" in target.dataset) {
      this.key = null;
      this.update();
    } else if ("industry" in target.dataset) {
      navigate({ industry: target.dataset.industry || null });
    }
  }
}

customElements.define("pv-pavilion", PvPavilion);
