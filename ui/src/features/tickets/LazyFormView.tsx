/** The form-js viewer, loaded when first shown (it is large), with a spinner meanwhile. */
import { Spin } from "antd";
import { lazy, Suspense } from "react";
import type { FormViewProps } from "./FormView";

const FormView = lazy(() => import("./FormView").then((module) => ({ default: module.FormView })));

export function LazyFormView(props: FormViewProps) {
  return (
    <Suspense fallback={<Spin />}>
      <FormView {...props} />
    </Suspense>
  );
}
