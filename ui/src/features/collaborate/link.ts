/** The public page an outside collaborator opens from a mail: `/collaborate#<link>`. The link
 * is in the fragment, which browsers never send, so no server or proxy log holds it; the page
 * sends it to the API in a header. Links mailed before that (`/collaborate/<link>`) still
 * open. Kept apart from the page (loaded lazily) so that the app's entry decides cheaply
 * which one to show. */

const COLLABORATE_PATH = "/collaborate";

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // A malformed escape: the server says whether the link as it is means anything.
    return text;
  }
}

/** The link of a `/collaborate#<link>` (or older `/collaborate/<link>`) address,
 * percent-decoded; null for any other page. */
export function collaborateLink(location: { pathname: string; hash: string }): string | null {
  const { pathname, hash } = location;
  if (pathname === COLLABORATE_PATH || pathname === `${COLLABORATE_PATH}/`) return decoded(hash.replace(/^#/, ""));
  if (!pathname.startsWith(`${COLLABORATE_PATH}/`)) return null;
  return decoded(pathname.slice(COLLABORATE_PATH.length + 1).replace(/\/+$/, ""));
}
