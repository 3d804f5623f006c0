/** The part of bpmn-moddle (bpmn-js's XML layer, a dependency of bpmn-js) elements.test.ts uses. */
declare module "bpmn-moddle" {
  interface ModdleElement {
    $type: string;
    id?: string;
    get: (name: string) => unknown;
    set: (name: string, value: unknown) => void;
  }
  interface BpmnModdle {
    fromXML: (xml: string) => Promise<{ rootElement: ModdleElement; warnings: unknown[] }>;
    toXML: (element: ModdleElement, options?: { format?: boolean }) => Promise<{ xml: string }>;
  }
  export function BpmnModdle(packages?: Record<string, unknown>): BpmnModdle;
}
