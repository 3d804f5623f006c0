/**
 * The static tree of a `hotline-tree` field and the text the form designer edits it as: one
 * node a line, two spaces of indentation a level, `value | label` or just `label` (the value
 * is then the label). Pure, shared by the designer and its tests.
 */

export interface TreeNode {
  value: string;
  label: string;
  children?: TreeNode[];
}

const INDENT = "  ";

/** The text of a tree (the inverse of `parseTree` for what it produces). */
export function formatTree(tree: readonly TreeNode[] | null | undefined): string {
  const lines: string[] = [];
  const walk = (nodes: readonly TreeNode[], depth: number) => {
    for (const node of nodes) {
      const text = node.value === node.label ? node.label : `${node.value} | ${node.label}`;
      lines.push(INDENT.repeat(depth) + text);
      walk(node.children ?? [], depth + 1);
    }
  };
  walk(tree ?? [], 0);
  return lines.join("\n");
}

/**
 * The tree of a text. Forgiving, as the designer types: blank lines are skipped, odd
 * indentation rounds down to a level, and a line indented deeper than one level below the
 * line before it becomes that line's child (it cannot skip a level).
 */
export function parseTree(text: string): TreeNode[] {
  const roots: TreeNode[] = [];
  /** The last node seen at each depth: the parents of the next line. */
  const path: TreeNode[] = [];
  for (const raw of text.replace(/\t/g, INDENT).split(/\r?\n/)) {
    const content = raw.trim();
    if (!content) continue;
    const indentation = raw.length - raw.trimStart().length;
    const depth = Math.min(Math.floor(indentation / INDENT.length), path.length);
    const node = parseNode(content);
    if (depth === 0) {
      roots.push(node);
    } else {
      const parent = path[depth - 1]!;
      (parent.children ??= []).push(node);
    }
    path.length = depth;
    path.push(node);
  }
  return roots;
}

function parseNode(content: string): TreeNode {
  const bar = content.indexOf("|");
  if (bar < 0) return { value: content, label: content };
  const value = content.slice(0, bar).trim();
  const label = content.slice(bar + 1).trim();
  // One side missing: the other names both.
  return { value: value || label, label: label || value };
}
