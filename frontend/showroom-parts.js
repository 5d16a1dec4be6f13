// The pieces of the showrooms' pages as markup: pure functions of what the API answered (see
// <pv-showrooms>, <pv-pavilion>, <pv-stand>). Names and texts come from exhibitors' packs and
// always go through html``, so they are shown as text, never as markup.

import { html } from "./html.js";
import { has, lang, t } from "./i18n.js";
import { hrefFor } from "./state.js";

/** The industries a stand may name (showrooms/schema/stand.schema.json), in the filter's order. */
export const INDUSTRIES = [
  "metallurgy", "machinery", "chemicals", "electronics", "energy", "oil-gas", "automotive",
  "aerospace", "shipbuilding", "agritech", "construction", "it", "logistics", "pharma", "textiles",
];

export function industryName(slug) {
  return has(`industry.${slug}`) ? t(`industry.${slug}`) : slug;
}

/** "Germany" / "Германия" for "DE" (the browser knows every country's name in both). */
export function countryName(code) {
  try {
    return new Intl.DisplayNames([lang()], { type: "region" }).of(code) || code;
  } catch {
    return code;
  }
}

/**
 * A stand's name where the API gives both languages (`name`, `name_ru`: the staff's own list
 * of stands, a call ringing at their desk), in the page's language.
 */
export function nameOf(stand) {
  return lang() === "ru" && stand.name_ru ? stand.name_ru : stand.name;
}

/** The links into the showrooms' pages; each leaves the keys of the page it came from. */
export const links = {
  hall: () => hrefFor({ view: "showrooms", session: null, marathon: null }),
  pavilion: (slug) => hrefFor({ view: "pavilion", pavilion: slug, industry: null, session: null, marathon: null }),
  stand: (slug, product = null) => hrefFor({ view: "stand", stand: slug, product, session: null, marathon: null }),
  session: (id) => hrefFor({ view: null, session: id, marathon: null }),
  room: (id) => hrefFor({ view: "room", session: id, marathon: null }),
};

/** A company's initials, drawn where it has no logo. */
function monogram(name) {
  const words = name.split(/\s+/).filter((word) => /\p{L}|\p{N}/u.test(word));
  return words.slice(0, 2).map((word) => [...word][0].toLocaleUpperCase()).join("");
}

/** A stand's logo: decorative, since its name is always written beside it. */
export function logo(stand, { large = false } = {}) {
  const kind = `stand-logo${large ? " stand-logo-large" : ""}`;
  if (!stand.logo) return html`<span class="${kind} stand-logo-none" aria-hidden="true">${monogram(stand.name)}</span>`;
  return html`<img class="${kind}" src="${large ? stand.logo.url : stand.logo.thumbnail}" alt="" decoding="async"
    ${large ? "" : html`loading="lazy"`}>`;
}

export function industryTags(industries) {
  if (!industries.length) return "";
  return html`<ul class="industry-tags" aria-label="${t("showrooms.industries")}">
    ${industries.map((slug) => html`<li class="tag">${industryName(slug)}</li>`)}</ul>`;
}

function liveMark() {
  return html`<span class="live-mark"><span class="live-dot" aria-hidden="true"></span> ${t("showrooms.liveShort")}</span>`;
}

/** One pavilion in the hall: its banner, its name, where it is, how many stands. */
export function pavilionTile(p) {
  const where = p.city ? `${p.city}, ${countryName(p.country)}` : countryName(p.country);
  return html`<li class="pavilion-tile${p.host ? " is-host" : ""}" data-testid="pavilion-tile" data-slug="${p.slug}">
    <div class="pavilion-banner">${p.banner
      ? html`<img src="${p.banner.thumbnail}" alt="" loading="lazy" decoding="async">`
      : html`<span class="pavilion-banner-none" aria-hidden="true">${p.country}</span>`}
      ${p.host ? html`<span class="host-mark" data-testid="host-mark">★ ${t(`showrooms.host.${p.kind}`)}</span>` : ""}
    </div>
    <div class="pavilion-tile-body">
      <h4><a href="${links.pavilion(p.slug)}" class="card-link" data-pavilion-link="${p.slug}"
        data-focus-key="pavilion-${p.slug}">${p.name}</a></h4>
      <p class="muted">${where}</p>
      <p class="pavilion-tile-foot"><span>${t("showrooms.stands", { count: p.stands })}</span>${p.live ? liveMark() : ""}</p>
    </div>
  </li>`;
}

/** "Live now from Berlin": the pavilions whose city is on the marathon's air right now. */
export function liveStrip(pavilions) {
  const live = pavilions.filter((p) => p.live);
  if (!live.length) return "";
  return html`<section class="live-strip" aria-labelledby="live-strip-title" data-testid="live-strip">
    <h3 id="live-strip-title" class="visually-hidden">${t("showrooms.liveTitle")}</h3>
    <ul>${live.map((p) => html`<li class="live-item">
      <p class="live-from"><span class="live-dot" aria-hidden="true"></span> ${t("showrooms.liveFrom", { city: p.live.city })}</p>
      <p class="live-title">${p.live.title}</p>
      <p class="live-links">
        <a class="button button-primary" href="${links.room(p.live.session)}" data-focus-key="live-room-${p.slug}"
          data-testid="live-room">${t("showrooms.watch")}</a>
        <a class="button" href="${links.pavilion(p.slug)}" data-focus-key="live-pavilion-${p.slug}"
          aria-label="${t("showrooms.visitLabel", { name: p.name })}">${t("showrooms.visit")}</a>
      </p>
    </li>`)}</ul>
  </section>`;
}

/** A stand in its pavilion: a large one takes two columns, a small one less height. */
export function standCard(s) {
  return html`<li class="stand-card stand-${s.size}" data-testid="stand-card" data-slug="${s.slug}">
    ${logo(s)}
    <div class="stand-card-body">
      <h4><a href="${links.stand(s.slug)}" class="card-link" data-stand-link="${s.slug}"
        data-focus-key="stand-${s.slug}">${s.name}</a></h4>
      ${industryTags(s.industries)}
      <p class="muted">${t("showrooms.products", { count: s.products })}</p>
    </div>
  </li>`;
}

/** A search hit: a product (its picture, its stand) or a stand (its logo, its pavilion). */
export function searchResult(r) {
  const s = r.stand;
  const product = r.product;
  const picture = product && product.image
    ? html`<img class="result-picture" src="${product.image.thumbnail}" alt="" loading="lazy" decoding="async">`
    : logo(s);
  const where = html`<span class="muted">${product
    ? t("showrooms.result.at", { stand: s.name, pavilion: s.pavilion.name })
    : s.pavilion.name}</span>`;
  return html`<li class="search-result" data-testid="search-result" data-kind="${r.kind}">
    ${picture}
    <div>
      <p class="result-kind">${t(`showrooms.result.${r.kind}`)}</p>
      <p class="result-name"><a href="${links.stand(s.slug, product ? product.slug : null)}" class="card-link"
        data-stand-link="${s.slug}" data-focus-key="result-${s.slug}-${product ? product.slug : ""}">${product ? product.name : s.name}</a></p>
      <p>${where}</p>
      ${industryTags(s.industries)}
    </div>
  </li>`;
}
