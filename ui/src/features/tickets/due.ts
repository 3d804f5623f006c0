/** Whether a due time has passed (kept apart from workflow.ts: the workbench widget loads with the app). */
export function overdue(dueAt: string | null | undefined, now: number = Date.now()): boolean {
  return dueAt != null && Date.parse(dueAt) < now;
}
