/** Log-out: the server clears its session cookie (and, everywhere, revokes every token of
 * the user); the client drops the token either way. */
import { request } from "../../api/client";
import { setSession } from "../../api/session";
import { LOGOUT_EVERYWHERE_MUTATION, LOGOUT_MUTATION } from "./shell.graphql";

export async function logout(): Promise<void> {
  try {
    await request(LOGOUT_MUTATION);
  } catch {
    // Already logged out, or the server is away: forgetting the token is what matters.
  }
  setSession(null);
}

/** Ends every session of the user; throws (and keeps this one) when the server refuses. */
export async function logoutEverywhere(): Promise<void> {
  await request(LOGOUT_EVERYWHERE_MUTATION);
  setSession(null);
}
