import { BpmnModdle } from "bpmn-moddle";
import { describe, expect, it } from "vitest";
import { HOTLINE_MODDLE, templateXml } from "../../tickets/workflow";
import { type BusinessObject, describeElement } from "./elements";

// bpmn-js reads and writes the XML through bpmn-moddle: with our extension, the `hotline:*`
// attributes round-trip, and the panel describes elements as the server will read them.
const moddle = BpmnModdle({ hotline: HOTLINE_MODDLE });

async function read(xml: string) {
  const { rootElement, warnings } = await moddle.fromXML(xml);
  expect(warnings).toEqual([]);
  const process = (rootElement as unknown as { rootElements: { flowElements: BusinessObject[] }[] }).rootElements[0]!;
  return { root: rootElement, byId: new Map(process.flowElements.map((element) => [element.id, element])) };
}

describe("the workflow's elements", () => {
  it("reads our attributes of a user task, and writes them back", async () => {
    const { root, byId } = await read(templateXml(["description", "amount"]));
    const task = byId.get("Task_handle")!;
    expect(describeElement({ id: task.id, type: task.$type, businessObject: task })).toEqual({
      kind: "userTask",
      id: "Task_handle",
      name: "Handle",
      assignee: "starter",
      fields: "description=editable,amount=editable",
      due: "",
      remind: "",
      escalate: "",
      linkLifetime: "",
    });
    const set = (task as unknown as { set: (name: string, value: unknown) => void }).set.bind(task);
    set("hotline:due", "PT4H");
    set("hotline:remind", "PT30M");
    set("hotline:escalate", "role:r-1");
    set("hotline:link-lifetime", "P2DT6H");
    expect(describeElement({ id: task.id, type: task.$type, businessObject: task })).toMatchObject({ due: "PT4H", remind: "PT30M", escalate: "role:r-1", linkLifetime: "P2DT6H" });
    const { xml } = await moddle.toXML(root, { format: true });
    expect(xml).toContain('xmlns:hotline="https://hotline.example/schema/bpmn"');
    expect(xml).toContain('hotline:due="PT4H"');
    expect(xml).toContain('hotline:remind="PT30M"');
    expect(xml).toContain('hotline:escalate="role:r-1"');
    expect(xml).toContain('hotline:link-lifetime="P2DT6H"');
    // And it is read back from the XML as the server writes and reads it.
    const again = (await read(xml)).byId.get("Task_handle")!;
    expect(describeElement({ id: again.id, type: again.$type, businessObject: again })).toMatchObject({ linkLifetime: "P2DT6H" });
  });

  it("describes a flow out of an exclusive gateway with its condition and default", async () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:hotline="https://hotline.example/schema/bpmn" id="D" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="P">
    <bpmn:exclusiveGateway id="G" default="F_else" />
    <bpmn:serviceTask id="S" name="Notify" hotline:url="https://erp.example/hook" />
    <bpmn:userTask id="T" />
    <bpmn:sequenceFlow id="F_big" sourceRef="G" targetRef="S">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">\${amount &gt; 1000}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="F_else" sourceRef="G" targetRef="T" />
    <bpmn:sequenceFlow id="F_plain" sourceRef="S" targetRef="T" />
  </bpmn:process>
</bpmn:definitions>`;
    const { byId } = await read(xml);
    const describe = (id: string) => {
      const element = byId.get(id)!;
      return describeElement({ id, type: element.$type, businessObject: element });
    };
    expect(describe("F_big")).toEqual({ kind: "flow", id: "F_big", name: "", condition: "${amount > 1000}", isDefault: false, fromExclusive: true });
    expect(describe("F_else")).toMatchObject({ isDefault: true, fromExclusive: true });
    expect(describe("F_plain")).toMatchObject({ fromExclusive: false });
    expect(describe("S")).toEqual({ kind: "serviceTask", id: "S", name: "Notify", url: "https://erp.example/hook" });
    expect(describe("G")).toEqual({ kind: "other", id: "G", name: "", type: "bpmn:ExclusiveGateway" });
  });
});
