/**
 * The page registry: a menu entry's `path` (from the server's `myMenus`) names the page its
 * tab shows. Each feature folder registers its pages in its `index.ts`.
 */
import type { ComponentType } from "react";

export interface PageDefinition {
  /** The menu path, e.g. `/admin/users`. */
  path: string;
  component: ComponentType;
}

const pages = new Map<string, PageDefinition>();

export function registerPage(page: PageDefinition): void {
  pages.set(page.path, page);
}

export function findPage(path: string): PageDefinition | undefined {
  return pages.get(path);
}

export const WORKBENCH_PATH = "/workbench";
