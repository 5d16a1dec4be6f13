// The session a room-like page is about (its title and times), for the live room, the
// backstage and the console alike.

import { getJSON, paths } from "./api.js";
import { lang } from "./i18n.js";
import { viewerZone } from "./state.js";

/**
 * Load session `id` of the page's forum into `page.session`, once per forum, id, zone and
 * language; a newer call wins over an older answer. When it cannot be had, `page.session` is
 * null and the page works without it (its title falls back to the page's name). The page is
 * redrawn when the answer arrives, unless it is hidden.
 */
export async function loadSessionInto(page, id) {
  const key = `${page._forum.slug}|${id}|${viewerZone()}|${lang()}`;
  if (key === page.sessionKey) return;
  page.sessionKey = key;
  if (String(page.session?.id) !== String(id)) page.session = null;
  const query = { tz: viewerZone(), lang: lang() };
  const found = await getJSON(paths.session(page._forum.slug, id), query).catch(() => null);
  if (key !== page.sessionKey) return;
  page.session = found;
  if (!page.hidden) page.draw();
}
