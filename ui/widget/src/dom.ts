/** The one DOM helper the widget needs, in place of a framework. */

type Child = Node | string | null | undefined | false;

/**
 * A new element with `attributes` (true: present and empty; false or undefined: absent) and
 * `children`. Text goes in as text nodes, never as HTML, so server text cannot inject markup.
 */
export function el<Tag extends keyof HTMLElementTagNameMap>(
  tag: Tag,
  attributes: Record<string, string | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[Tag] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === true) element.setAttribute(name, "");
    else if (typeof value === "string") element.setAttribute(name, value);
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) element.append(child);
  return element;
}
