/**
 * The workbench widget registry (SP2). A module registers its widgets; the server's
 * `myWidgets` says which the user may see (by role). A widget shows when both agree.
 */
import type { ComponentType } from "react";
import type { MessageKey } from "../../i18n";

export interface WidgetDefinition {
  /** The key the server lists in `myWidgets`, e.g. `event-log`. */
  key: string;
  titleKey: MessageKey;
  /** The permission the server checks before listing the widget (for reference and the
   * permission matrix; the server decides). */
  permission: string;
  component: ComponentType;
  /** Columns out of 24 on wide screens. */
  span?: number;
}

const widgets = new Map<string, WidgetDefinition>();

export function registerWidget(widget: WidgetDefinition): void {
  if (widgets.has(widget.key)) throw new Error(`widget ${widget.key} is registered twice`);
  widgets.set(widget.key, widget);
}

/** The registered widgets the server lists, in registration order. */
export function visibleWidgets(serverKeys: ReadonlySet<string>): WidgetDefinition[] {
  return [...widgets.values()].filter((widget) => serverKeys.has(widget.key));
}

export function registeredWidgets(): WidgetDefinition[] {
  return [...widgets.values()];
}
