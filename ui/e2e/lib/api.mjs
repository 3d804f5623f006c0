// @ts-check
/**
 * The server's API straight from a test, for set-up a user would do elsewhere (dictionaries,
 * ticket types, settings): a log-in token for a demo user, and GraphQL requests that must
 * succeed.
 */
import assert from "node:assert/strict";

/**
 * A session token for `username` of the demo tenant.
 * @param {{ url: string, password: string }} hotline @param {string} username
 * @returns {Promise<string>}
 */
export async function apiToken(hotline, username) {
  const response = await fetch(`${hotline.url}/api/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ tenant: "demo", username, password: hotline.password }),
  });
  assert.equal(response.status, 200);
  return /** @type {{ token: string }} */ (await response.json()).token;
}

/**
 * Runs a GraphQL request as the token's user; fails the test on any error.
 * @param {{ url: string }} hotline @param {string} token @param {string} query @param {Record<string, unknown>} variables
 * @returns {Promise<any>}
 */
export async function graphql(hotline, token, query, variables) {
  const response = await fetch(`${hotline.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const answer = /** @type {{ data?: any, errors?: unknown }} */ (await response.json());
  assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
  return answer.data;
}
