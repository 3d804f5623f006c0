/** The public page an outside collaborator opens from a mail: `/collaborate/<link>`. Kept apart
 * from the page (loaded lazily) so that the app's entry decides cheaply which one to show. */

export const COLLABORATE_PREFIX = "/collaborate/";

/** The link of a `/collaborate/<link>` path (percent-decoded), or null for any other path. */
export function collaborateLink(pathname: string): string | null {
  if (!pathname.startsWith(COLLABORATE_PREFIX)) return null;
  const rest = pathname.slice(COLLABORATE_PREFIX.length).replace(/\/+$/, "");
  try {
    return decodeURIComponent(rest);
  } catch {
    // A malformed escape: the server says whether the link as it is means anything.
    return rest;
  }
}
