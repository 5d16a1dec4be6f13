// <pv-stand>: one stand (`view=stand&stand=<slug>`, `&product=<slug>` to open at a product):
// the company's logo, name, pavilion and description; "Talk to us now" (<pv-contact>, kept
// across redraws); its contacts, website, people (with who is on duty now) and program
// sessions; and its products, each with a gallery (pictures open large in <pv-lightbox>),
// specifications, documents and videos.

import { account } from "../account.js";
import { getJSON, paths, postJSON } from "../api.js";
import { html, render } from "../html.js";
import { lang, t } from "../i18n.js";
import { industryTags, links, logo } from "../showroom-parts.js";
import { current } from "../state.js";

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

class PvStand extends HTMLElement {
  connectedCallback() {
    this.stand = null;
    this.key = null;
    this.visit = null;
    this.failure = null;
    this.contact = document.createElement("pv-contact");
    this.innerHTML = `<div class="stand-view"></div><pv-lightbox></pv-lightbox>`;
    this.view = this.querySelector(".stand-view");
    this.lightbox = this.querySelector("pv-lightbox");
    this.addEventListener("click", (event) => this.onClick(event));
    account.addEventListener("change", () => {
      if (!this.hidden && this.stand) this.draw();
    });
  }

  update({ opened = false } = {}) {
    const slug = current().stand;
    if (!slug) return;
    const key = `${slug}|${lang()}`;
    if (key === this.key) {
      this.draw();
      if (opened) this.focusTarget();
      return;
    }
    const another = !this.stand || this.stand.slug !== slug;
    this.key = key;
    if (another || !this.visit) this.startVisit(slug);
    this.load(key, slug, opened || another);
  }

  /** Hidden: the contact panel stops hearing its rooms; an open picture closes; the visit
   * counted for the stand's analytics ends. */
  pause() {
    this.contact.pause();
    this.lightbox.close();
    this.endVisit();
  }

  /** Count this visit for the stand's analytics, and tell the server the page stays open
   * (time on the stand) every `ping_seconds` while it is shown. Analytics never get in the
   * visitor's way: a failure is let go. */
  async startVisit(slug) {
    this.endVisit();
    const visit = (this.visit = { slug, timer: null });
    let opened;
    try {
      opened = await postJSON(paths.standVisits(slug));
    } catch {
      return;
    }
    if (this.visit !== visit) return;
    const ping = () => {
      if (document.visibilityState !== "visible") return;
      postJSON(paths.visitPing(opened.visit), { key: opened.key }).catch(() => {});
    };
    visit.timer = setInterval(ping, Math.max(5, opened.ping_seconds) * 1000);
  }

  endVisit() {
    if (this.visit?.timer) clearInterval(this.visit.timer);
    this.visit = null;
  }

  async load(key, slug, focus) {
    this.failure = null;
    if (focus) this.stand = null;
    this.draw();
    try {
      const found = await getJSON(paths.stand(slug), { lang: lang() });
      if (key !== this.key) return;
      this.stand = found;
    } catch (error) {
      if (key !== this.key) return;
      this.failure = error;
    }
    this.draw();
    if (focus) this.focusTarget();
  }

  /** The product the URL names (scrolled to), else the stand's name. */
  focusTarget() {
    const product = current().product;
    const heading = product && this.querySelector(`[data-product="${CSS.escape(product)}"] h4`);
    if (heading) {
      heading.focus({ preventScroll: true });
      // After the shell's own scrolling to the top of a page newly opened.
      requestAnimationFrame(() => heading.closest("article").scrollIntoView({ block: "start" }));
    } else {
      this.querySelector("#stand-title")?.focus();
    }
  }

  back() {
    const s = this.stand;
    const href = s ? links.pavilion(s.pavilion.slug) : links.hall();
    const label = s ? t("stand.back", { name: s.pavilion.name }) : t("showrooms.back");
    return html`<a class="back-link" href="${href}" data-focus-key="back" data-testid="stand-back"><span
      aria-hidden="true">←</span> ${label}</a>`;
  }

  /** Render the page, then put the contact panel (and any focus inside it) back in. */
  draw() {
    const active = document.activeElement;
    const focusInPanel = this.contact.contains(active) ? active : null;
    render(this.view, this.page());
    const slot = this.view.querySelector("[data-contact-slot]");
    if (slot) {
      slot.replaceWith(this.contact);
      this.contact.stand = this.stand;
      if (!this.hidden) this.contact.resume();
    }
    focusInPanel?.focus({ preventScroll: true });
  }

  page() {
    const s = this.stand;
    if (this.failure || !s) return this.elsewhere();
    document.title = `${s.name} — ${s.pavilion.name}`;
    return html`<article class="wrap stand-page" aria-labelledby="stand-title" data-testid="stand-page" data-slug="${s.slug}">
      ${this.back()}
      ${this.head(s)}
      <div class="session-layout stand-layout">
        <div class="session-body stand-body">
          <section aria-labelledby="stand-about-title">
            <h3 id="stand-about-title">${t("stand.about")}</h3>
            ${s.description
              ? s.description.split(/\n{2,}/).map((para) => html`<p class="abstract">${para}</p>`)
              : html`<p class="muted">${t("stand.noDescription")}</p>`}
          </section>
          <section aria-labelledby="stand-products-title" data-testid="products">
            <h3 id="stand-products-title">${t("stand.products")}</h3>
            ${s.products.length
              ? s.products.map((p, i) => this.product(p, i))
              : html`<p class="muted">${t("stand.noProducts")}</p>`}
          </section>
        </div>
        <div class="session-side stand-side">
          <div data-contact-slot></div>
          ${this.contacts(s)}
          ${this.people(s)}
          ${this.sessions(s)}
        </div>
      </div>
    </article>`;
  }

  /** The page before (or instead of) the stand: loading, or why it could not be shown. */
  elsewhere() {
    if (!this.failure) {
      return html`<div class="wrap stand-page">${this.back()}
        <p class="notice notice-loading" role="status">${t("stand.loading")}</p></div>`;
    }
    const missing = this.failure.status === 404;
    return html`<div class="wrap stand-page">${this.back()}
      <div class="notice notice-error" role="alert" data-testid="stand-error">
        <p>${missing ? t("stand.notFound") : t("stand.error", { message: this.failure.message })}</p>
        ${missing ? "" : html`<button type="button" class="button" data-retry data-focus-key="retry">${t("program.retry")}</button>`}
      </div></div>`;
  }

  head(s) {
    return html`<header class="stand-head">
      ${logo(s, { large: true })}
      <div>
        <p class="kicker"><a href="${links.pavilion(s.pavilion.slug)}" data-focus-key="kicker-pavilion">${s.pavilion.name}</a></p>
        <h2 id="stand-title" tabindex="-1" data-focus-key="stand-title">${s.name}</h2>
        ${industryTags(s.industries)}
      </div>
    </header>`;
  }

  product(p, index) {
    const wanted = current().product === p.slug;
    return html`<article class="product${wanted ? " is-wanted" : ""}" aria-labelledby="product-${index}-title"
        data-product="${p.slug}" data-testid="product">
      <h4 id="product-${index}-title" tabindex="-1" data-focus-key="product-${p.slug}">${p.name}</h4>
      ${p.description ? html`<p class="product-about">${p.description}</p>` : ""}
      ${p.images.length ? html`<ul class="gallery" aria-label="${t("stand.photosOf", { name: p.name })}">
        ${p.images.map((image, i) => html`<li><button type="button" class="gallery-item" data-photo="${index}:${i}"
          data-focus-key="photo-${index}-${i}" data-testid="photo"
          aria-label="${t("stand.openPhoto", { name: p.name, n: i + 1, total: p.images.length })}">
          <img src="${image.thumbnail}" alt="" loading="lazy" decoding="async"></button></li>`)}
      </ul>` : ""}
      ${p.specs.length ? html`<table class="specs" data-testid="specs">
        <caption class="visually-hidden">${t("stand.specsOf", { name: p.name })}</caption>
        <tbody>${p.specs.map((spec) => html`<tr><th scope="row">${spec.name}</th><td>${spec.value}</td></tr>`)}</tbody>
      </table>` : ""}
      ${p.documents.length ? html`<div class="product-block">
        <h5>${t("stand.documents")}</h5>
        <ul class="documents">${p.documents.map((d) => html`<li><a href="${d.url}" data-testid="document"
          type="application/pdf">${d.title}</a>${/\bpdf\b/i.test(d.title) ? "" : html` <span class="muted">(PDF)</span>`}</li>`)}</ul>
      </div>` : ""}
      ${p.videos.length ? html`<div class="product-block">
        <h5>${t("stand.videos")}</h5>
        <div class="videos">${p.videos.map((v) => video(v))}</div>
      </div>` : ""}
    </article>`;
  }

  contacts(s) {
    const c = s.contacts;
    const rows = [];
    if (s.website) rows.push([t("stand.website"), html`<a href="${s.website}" rel="noopener">${s.website.replace(/^https:\/\//, "")}</a>`]);
    if (c.email) rows.push([t("stand.email"), html`<a href="mailto:${c.email}">${c.email}</a>`]);
    if (c.phone) rows.push([t("stand.phone"), html`<a href="tel:${c.phone.replace(/[^+\d]/g, "")}">${c.phone}</a>`]);
    if (c.address) rows.push([t("stand.address"), c.address]);
    rows.push([t("stand.pavilion"), html`<a href="${links.pavilion(s.pavilion.slug)}" data-focus-key="facts-pavilion"
      data-testid="stand-pavilion">${s.pavilion.name}</a>`]);
    return html`<aside class="session-facts stand-facts" aria-labelledby="stand-contacts-title">
      <h3 id="stand-contacts-title">${t("stand.contacts")}</h3>
      <dl class="facts">${rows.map(([name, value]) => html`<div><dt>${name}</dt><dd>${value}</dd></div>`)}</dl>
    </aside>`;
  }

  people(s) {
    if (!s.staff.length) return "";
    return html`<section class="stand-box" aria-labelledby="stand-people-title">
      <h3 id="stand-people-title">${t("stand.people")}</h3>
      <ul class="staff-list" data-testid="staff">${s.staff.map((p) => html`<li class="staff-member" data-testid="staff-member">
        <span class="avatar" aria-hidden="true">${initials(p.name)}</span>
        <div>
          <p class="speaker-name">${p.name}</p>
          ${p.title ? html`<p class="speaker-about">${p.title}</p>` : ""}
          <p class="duty-line${p.on_duty ? " is-on" : ""}" data-testid="duty"><span class="duty-dot" aria-hidden="true"></span>${t(p.on_duty
            ? "stand.onDuty" : "stand.offDuty")}</p>
          ${p.duty.length ? html`<p class="speaker-about">${t("stand.dutyHours", { hours: dutyHours(p.duty), zone: p.tz })}</p>` : ""}
          ${p.languages.length ? html`<p class="speaker-about">${p.languages.map((code) => t(`language.${code}`)).join(", ")}</p>` : ""}
        </div>
      </li>`)}</ul>
    </section>`;
  }

  sessions(s) {
    if (!s.sessions.length) return "";
    return html`<section class="stand-box" aria-labelledby="stand-sessions-title">
      <h3 id="stand-sessions-title">${t("stand.sessions")}</h3>
      <ul class="stand-sessions">${s.sessions.map((session) => html`<li><a href="${links.session(session.id)}"
        data-session-id="${session.id}" data-focus-key="session-${session.id}">${session.title}</a></li>`)}</ul>
    </section>`;
  }

  onClick(event) {
    const button = event.target.closest("button");
    if (!button || !this.view.contains(button)) return;
    if ("retry" in button.dataset) {
      this.key = null;
      this.update();
    } else if (button.dataset.photo) {
      const [product, image] = button.dataset.photo.split(":").map(Number);
      const p = this.stand.products[product];
      this.lightbox.open(p.images, image, p.name, button);
    }
  }
}

/**
 * A video file of the stand's own, played here; one elsewhere (the pack's `url`) is a link,
 * since the page plays media from this site only (its Content-Security-Policy).
 */
function video(v) {
  if (v.url.startsWith("/") && !v.url.startsWith("//")) {
    return html`<figure class="video">
      <video controls preload="none" src="${v.url}" aria-label="${v.title}"></video>
      <figcaption>${v.title}</figcaption>
    </figure>`;
  }
  return html`<p><a href="${v.url}" rel="noopener">${t("stand.watch", { title: v.title })}</a></p>`;
}

function initials(name) {
  return name.split(/\s+/).filter(Boolean).slice(0, 2).map((word) => [...word][0]).join("");
}

/** "Mon–Fri 09:00–18:00; Sat 10:00–14:00": a person's duty hours, days in the page's language. */
function dutyHours(duty) {
  const dayName = (day) => new Intl.DateTimeFormat(lang() === "ru" ? "ru-RU" : "en-GB", { weekday: "short", timeZone: "UTC" })
    .format(new Date(Date.UTC(2024, 0, 1 + DAYS.indexOf(day)))); // 2024-01-01 was a Monday
  return duty.map((hours) => {
    const days = [...hours.days].sort((a, b) => DAYS.indexOf(a) - DAYS.indexOf(b));
    const first = DAYS.indexOf(days[0]);
    const running = days.every((day, i) => DAYS.indexOf(day) === first + i);
    const span = running && days.length > 2
      ? `${dayName(days[0])}–${dayName(days[days.length - 1])}`
      : days.map(dayName).join(", ");
    return `${span} ${hours.from}–${hours.to}`;
  }).join("; ");
}

customElements.define("pv-stand", PvStand);
