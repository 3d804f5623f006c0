/**
 * The category tree on the client. The server keeps it as a flat list (`parentId`,
 * `sortOrder`) and takes it back whole (`defineKnowledgeCategories`), so every change here
 * is a pure function from one list to the next, siblings renumbered 0, 1, 2, ...
 */
import type { KnowledgeCategory, KnowledgeCategoryInput } from "./knowledge.graphql";

export interface CategoryNode {
  category: KnowledgeCategory;
  children: CategoryNode[];
}

function bySortOrder(a: KnowledgeCategory, b: KnowledgeCategory): number {
  return a.sortOrder - b.sortOrder || a.name.localeCompare(b.name);
}

/** The categories as a forest, siblings in order; one whose parent is missing is a root. */
export function categoryForest(categories: readonly KnowledgeCategory[]): CategoryNode[] {
  const nodes = new Map(categories.map((category) => [category.id, { category, children: [] as CategoryNode[] }]));
  const roots: CategoryNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.category.parentId ? nodes.get(node.category.parentId) : undefined;
    (parent && parent !== node ? parent.children : roots).push(node);
  }
  const sort = (list: CategoryNode[]) => {
    list.sort((a, b) => bySortOrder(a.category, b.category));
    for (const node of list) sort(node.children);
  };
  sort(roots);
  return roots;
}

/** The category and every category below it. */
export function subtreeIds(categories: readonly KnowledgeCategory[], categoryId: string): Set<string> {
  const ids = new Set([categoryId]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const category of categories) {
      if (category.parentId && ids.has(category.parentId) && !ids.has(category.id)) {
        ids.add(category.id);
        grew = true;
      }
    }
  }
  return ids;
}

/** Names from the root down to the category ("Billing / Refunds"). */
export function categoryPath(categories: readonly KnowledgeCategory[], categoryId: string | null): string[] {
  const byId = new Map(categories.map((category) => [category.id, category]));
  const names: string[] = [];
  const visited = new Set<string>();
  let current = categoryId ? byId.get(categoryId) : undefined;
  while (current && !visited.has(current.id)) {
    visited.add(current.id);
    names.unshift(current.name);
    current = current.parentId ? byId.get(current.parentId) : undefined;
  }
  return names;
}

/** The categories directly under `parentId` (null: the roots), in order. */
export function siblingsOf(categories: readonly KnowledgeCategory[], parentId: string | null): KnowledgeCategory[] {
  return categories.filter((category) => category.parentId === parentId).sort(bySortOrder);
}

export function hasChildren(categories: readonly KnowledgeCategory[], categoryId: string): boolean {
  return categories.some((category) => category.parentId === categoryId);
}

/** Siblings under `parentId` in order, renumbered; `moving` (if given) inserted at `index`. */
function renumbered(
  categories: readonly KnowledgeCategory[],
  parentId: string | null,
  moving?: KnowledgeCategory,
  index?: number,
): KnowledgeCategory[] {
  const siblings = categories.filter((category) => category.parentId === parentId && category.id !== moving?.id).sort(bySortOrder);
  if (moving) siblings.splice(Math.max(0, Math.min(index ?? siblings.length, siblings.length)), 0, { ...moving, parentId });
  return siblings.map((category, order) => ({ ...category, sortOrder: order }));
}

function replaceSiblings(categories: readonly KnowledgeCategory[], siblings: KnowledgeCategory[]): KnowledgeCategory[] {
  const changed = new Map(siblings.map((category) => [category.id, category]));
  return categories.map((category) => changed.get(category.id) ?? category);
}

/** A new category, last under its parent. */
export function withCategoryAdded(
  categories: readonly KnowledgeCategory[],
  added: { id: string; parentId: string | null; name: string },
): KnowledgeCategory[] {
  const siblings = categories.filter((category) => category.parentId === added.parentId);
  const sortOrder = siblings.reduce((highest, category) => Math.max(highest, category.sortOrder + 1), 0);
  return [...categories, { ...added, sortOrder, articleCount: 0 }];
}

export function withCategoryRenamed(categories: readonly KnowledgeCategory[], categoryId: string, name: string): KnowledgeCategory[] {
  return categories.map((category) => (category.id === categoryId ? { ...category, name } : category));
}

/**
 * The category under `parentId` (null: a root) at position `index` among its new siblings
 * (the end without one). Null when the move is impossible: into itself or below itself.
 */
export function withCategoryMoved(
  categories: readonly KnowledgeCategory[],
  categoryId: string,
  parentId: string | null,
  index?: number,
): KnowledgeCategory[] | null {
  const moving = categories.find((category) => category.id === categoryId);
  if (!moving) return null;
  if (parentId && subtreeIds(categories, categoryId).has(parentId)) return null;
  const oldParent = moving.parentId;
  let next = replaceSiblings(categories, renumbered(categories, parentId, moving, index));
  if (oldParent !== parentId) next = replaceSiblings(next, renumbered(next, oldParent));
  return next;
}

/** Without the category; its former siblings renumbered. */
export function withCategoryRemoved(categories: readonly KnowledgeCategory[], categoryId: string): KnowledgeCategory[] {
  const removed = categories.find((category) => category.id === categoryId);
  const rest = categories.filter((category) => category.id !== categoryId);
  return removed ? replaceSiblings(rest, renumbered(rest, removed.parentId)) : rest;
}

export function categoryInputs(categories: readonly KnowledgeCategory[]): KnowledgeCategoryInput[] {
  return categories.map(({ id, parentId, name, sortOrder }) => ({ id, parentId, name, sortOrder }));
}

export interface CategoryPickerNode {
  value: string;
  title: string;
  disabled?: boolean;
  children: CategoryPickerNode[];
}

/** TreeSelect data; `disabled` categories show but cannot be picked. */
export function categoryPickerTree(categories: readonly KnowledgeCategory[], disabled: ReadonlySet<string> = new Set()): CategoryPickerNode[] {
  const convert = (node: CategoryNode): CategoryPickerNode => ({
    value: node.category.id,
    title: node.category.name,
    disabled: disabled.has(node.category.id),
    children: node.children.map(convert),
  });
  return categoryForest(categories).map(convert);
}
