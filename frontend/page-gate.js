// What a page for signed-in people shows before its own content: "loading" while the account
// (or the page's data) is not known, an invitation to sign in, "not allowed" (403) or the
// failure with a retry button. `null` once the page may show what it holds.
//
// `name` prefixes the page's words (`<name>.loading`, `<name>.signIn`, `<name>.forbidden`) and
// its test ids; `errorKey` words a failure (`{message}`); `word` turns a failure into text.

import { known, me } from "./account.js";
import { html } from "./html.js";
import { t } from "./i18n.js";
import { hrefFor } from "./state.js";

export function pageGate(name, { failure, ready, errorKey, word = (f) => f.message }) {
  const loading = html`<p class="notice notice-loading" role="status">${t(`${name}.loading`)}</p>`;
  if (!known()) return loading;
  if (!me() || failure?.status === 401) {
    return html`<div class="empty-state" data-testid="${name}-signin">
        <p>${t(`${name}.signIn`)}</p>
        <a class="button button-primary" href="${hrefFor({ view: "signin" })}" data-focus-key="${name}-signin">${t("account.signIn")}</a>
      </div>`;
  }
  if (failure?.status === 403) {
    return html`<p class="notice notice-error" role="alert" data-testid="${name}-forbidden">${t(`${name}.forbidden`)}</p>`;
  }
  if (failure) {
    return html`<div class="notice notice-error" role="alert" data-testid="${name}-error">
        <p>${t(errorKey, { message: word(failure) })}</p>
        <button type="button" class="button" data-retry data-focus-key="retry">${t("program.retry")}</button>
      </div>`;
  }
  return ready ? null : loading;
}
