// @ts-check
/**
 * The server's API straight from a test, for set-up a user would do elsewhere (dictionaries,
 * ticket types, settings): a log-in token for a demo user, GraphQL requests that must
 * succeed, waiting for the read models, and a one-step ticket workflow.
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

/**
 * What `read` gives once it is there: the read models follow the commands a moment later.
 * @template T @param {string} what @param {() => Promise<T | null | undefined>} read @returns {Promise<T>}
 */
export async function eventually(what, read) {
  for (let attempt = 1; ; attempt += 1) {
    /** @type {unknown} */
    let failure;
    try {
      const found = await read();
      if (found) return found;
    } catch (error) {
      failure = error;
    }
    if (attempt >= 50) assert.fail(`${what} never came: ${failure ?? "nothing"}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * A ticket workflow of one user task: start → `name` (for `assignee`, e.g. `role:<id>`, with
 * the field access `fields`, e.g. `subject=editable`) → end.
 * @param {{ name: string, assignee: string, fields: string }} step
 */
export function oneStepWorkflow({ name, assignee, fields }) {
  return `<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:hotline="https://hotline.example/schema/bpmn" id="d">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="step" />
    <bpmn:userTask id="step" name="${name}" hotline:assignee="${assignee}" hotline:fields="${fields}" />
    <bpmn:sequenceFlow id="f2" sourceRef="step" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;
}
